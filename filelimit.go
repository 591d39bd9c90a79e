package pssh

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"syscall"

	"github.com/gopssh/pssh/internal/fdlimit"
)

// Descriptors a client is expected to hold, for the open file limit: one
// per connection held at a time (every host's, or with
// Config.CloseConnections PoolSize hosts'), three more for a host reached
// through a ProxyCommand (the command's stdin, stdout and stderr pipes),
// and a margin for the rest of the process (standard streams, the
// runtime's poller, the agent socket, known_hosts files being read, spill
// files of a few hosts). The pssh command running 8 hosts at a time holds
// 18 to 33 descriptors in all, by its view. Spill files are not counted
// per host: they exist only while a stream's unread output is past what it
// may keep in memory.
const (
	fdsPerConnection   = 1
	fdsPerProxyCommand = 3
	fdMargin           = 32
)

// fdsNeeded estimates the descriptors the client's connections need: every
// host's, or with Config.CloseConnections, PoolSize hosts' at a time (the
// costliest).
func (c *Client) fdsNeeded() uint64 {
	costs := c.connectionCosts()
	if c.cfg.CloseConnections && len(costs) > c.cfg.PoolSize {
		costs = costs[:c.cfg.PoolSize]
	}
	n := uint64(fdMargin)
	for _, k := range costs {
		n += k
	}
	return n
}

// connectionCosts returns the descriptors each host's connection needs,
// the costliest first.
func (c *Client) connectionCosts() []uint64 {
	costs := make([]uint64, len(c.hosts))
	for i, h := range c.hosts {
		costs[i] = fdsPerConnection
		if h.proxyCommand != "" {
			costs[i] += fdsPerProxyCommand
		}
	}
	slices.SortFunc(costs, func(a, b uint64) int { return cmp.Compare(b, a) })
	return costs
}

// fittingPoolSize returns the largest pool size up to n whose
// connections, the costliest hosts' and the margin, fit in limit
// descriptors; at least 1.
func (c *Client) fittingPoolSize(n int, limit uint64) int {
	need := uint64(fdMargin)
	for i, k := range c.connectionCosts() {
		if i == n {
			break
		}
		if need += k; need > limit {
			return max(1, i)
		}
	}
	return n
}

// defaultPoolSize sets a PoolSize left at zero: DefaultPoolSize, lowered
// with Config.CloseConnections until that many connections fit in three
// quarters of the hard open file limit (to which New raises the soft one
// if need be), so that the default never runs the process out of
// descriptors: the last quarter is for connections still closing while
// the next hosts connect. Without CloseConnections every host's
// connection is kept, whatever the pool.
func (c *Client) defaultPoolSize() {
	c.cfg.PoolSize = DefaultPoolSize
	if !c.cfg.CloseConnections {
		return
	}
	if l := fdlimit.Current(); l.Known && l.Hard != fdlimit.Unlimited {
		c.cfg.PoolSize = c.fittingPoolSize(DefaultPoolSize, l.Hard-l.Hard/4)
	}
}

// FileLimit reports the process's open file limit (RLIMIT_NOFILE) as New
// left it, against the descriptors the client's hosts need.
type FileLimit struct {
	Hosts int // hosts of the client
	// AtOnce is how many connections the client is expected to hold at a
	// time: Hosts, or PoolSize with Config.CloseConnections.
	AtOnce int
	// PoolSize is Config.PoolSize as New settled it: as given, or for
	// zero DefaultPoolSize, lowered with Config.CloseConnections until
	// that many connections fit in three quarters of the hard limit.
	PoolSize int
	Need     uint64 // descriptors estimated: one per connection held at a time, more per ProxyCommand, and a margin
	Soft     uint64 // the soft limit after New; math.MaxUint64 for none
	Hard     uint64 // the hard limit; math.MaxUint64 for none
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
	c.fileLimit = FileLimit{Hosts: len(c.hosts), AtOnce: c.connectionsAtOnce(), PoolSize: c.cfg.PoolSize, Need: l.Need, Soft: l.Soft, Hard: l.Hard, Raised: l.Raised, Known: l.Known}
	if !c.fileLimit.Fits() {
		fewer := "fewer hosts per client"
		if c.cfg.CloseConnections {
			fewer = "a lower PoolSize"
		}
		c.hostLog.warn(fmt.Sprintf("pssh: %s need about %d open files, above the limit (%s): hosts past it will fail with %q; raise the hard limit (ulimit -Hn, LimitNOFILE=) or use %s",
			c.fileLimit.hostsAtOnce(), l.Need, l, syscall.EMFILE.Error(), fewer),
			slog.Int("hosts", len(c.hosts)), slog.Uint64("need", l.Need), slog.Uint64("soft", l.Soft), slog.Uint64("hard", l.Hard))
	}
}

// connectionsAtOnce is how many connections the client is expected to hold
// at a time (see FileLimit.AtOnce).
func (c *Client) connectionsAtOnce() int {
	if c.cfg.CloseConnections {
		return min(len(c.hosts), c.cfg.PoolSize)
	}
	return len(c.hosts)
}

// hostsAtOnce says how many hosts need the descriptors: "200 hosts", or
// "200 hosts, 8 at a time".
func (l FileLimit) hostsAtOnce() string {
	if l.AtOnce < l.Hosts {
		return fmt.Sprintf("%d hosts, %d at a time,", l.Hosts, l.AtOnce)
	}
	return fmt.Sprintf("%d hosts", l.Hosts)
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
