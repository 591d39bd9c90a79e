package pssh

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/gopssh/pssh/internal/fdlimit"
)

// Descriptors a client is expected to hold, for the open file limit: one
// per host for its kept connection, three more for a host reached through a
// ProxyCommand (the command's stdin, stdout and stderr pipes), and a margin
// for the rest of the process (standard streams, the runtime's poller, the
// agent socket, known_hosts files being read, spill files of a few hosts).
// Spill files are not counted per host: they exist only while a host's
// unread output is past Config.OutputMemoryLimit.
const (
	fdsPerConnection   = 1
	fdsPerProxyCommand = 3
	fdMargin           = 128
)

// fdsNeeded estimates the descriptors the client's kept connections need.
func (c *Client) fdsNeeded() uint64 {
	n := uint64(fdMargin)
	for _, h := range c.hosts {
		n += fdsPerConnection
		if h.proxyCommand != "" {
			n += fdsPerProxyCommand
		}
	}
	return n
}

// FileLimit reports the process's open file limit (RLIMIT_NOFILE) as New
// left it, against the descriptors the client's hosts need.
type FileLimit struct {
	Hosts int    // hosts of the client
	Need  uint64 // descriptors estimated: one per host's connection, more per ProxyCommand, and a margin
	Soft  uint64 // the soft limit after New; math.MaxUint64 for none
	Hard  uint64 // the hard limit; math.MaxUint64 for none
	// Raised tells that New raised the soft limit for these hosts.
	Raised bool
	// Known is false on platforms without such a limit (or when it could
	// not be read); Fits is then true.
	Known bool
}

// Fits tells whether Need fits under the soft limit.
func (l FileLimit) Fits() bool { return !l.Known || l.Soft >= l.Need }

// ensureFileLimit raises the soft open file limit toward the hard limit
// when the hosts need more than it allows (never lowering it), once per
// New, and warns through Config.HostLogHandler when they do not fit even
// so. Go programs start with the soft limit at the hard one already; this
// catches a limit lowered since, and says when the hard limit is too low.
func (c *Client) ensureFileLimit() { c.setFileLimit(fdlimit.Ensure(c.fdsNeeded())) }

// setFileLimit records l, and warns when the hosts do not fit under it.
func (c *Client) setFileLimit(l fdlimit.Limit) {
	c.fileLimit = FileLimit{Hosts: len(c.hosts), Need: l.Need, Soft: l.Soft, Hard: l.Hard, Raised: l.Raised, Known: l.Known}
	if !c.fileLimit.Fits() {
		c.hostLog.warn(fmt.Sprintf("pssh: %d hosts need about %d open files, above the limit (%s): hosts past it will fail with %q; raise the hard limit (ulimit -Hn, LimitNOFILE=) or use fewer hosts per client",
			len(c.hosts), l.Need, l, syscall.EMFILE.Error()),
			slog.Int("hosts", len(c.hosts)), slog.Uint64("need", l.Need), slog.Uint64("soft", l.Soft), slog.Uint64("hard", l.Hard))
	}
}

// FileLimit returns the open file limit as New left it, against what the
// client's hosts need: see FileLimit.Fits. When it does not fit, New also
// logged a warning to Config.HostLogHandler, and hosts that run out of
// descriptors fail with a *ConnectionError wrapping a *FileLimitError.
func (c *Client) FileLimit() FileLimit { return c.fileLimit }

// fileLimitError wraps err in a *FileLimitError when it is EMFILE or ENFILE,
// with the limit l as it is now.
func fileLimitError(l FileLimit, err error) error {
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
		return err
	}
	cur := fdlimit.Current()
	l.Soft, l.Hard, l.Known = cur.Soft, cur.Hard, cur.Known
	return &FileLimitError{Limit: l, Err: err}
}
