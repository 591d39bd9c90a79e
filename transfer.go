package pssh

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gopssh/pssh/internal/workpool"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// CopyOptions change how files are copied to and from the hosts. The zero
// value copies one file, keeping its permission bits but not its times,
// stopping on errors.
type CopyOptions struct {
	// Recursive copies a directory with everything under it. Without it a
	// directory source is an error (ErrIsDir).
	Recursive bool
	// PreserveTimes sets the modification and access times of the copied
	// files (and of the directories created) to the source's. Permission
	// bits are always kept.
	PreserveTimes bool

	// HostPaths, if not nil, has one entry per host (parallel-ssh's
	// copy_args): a non-empty Local or Remote replaces the call's path for
	// that host. A list that does not fit the hosts is a *HostArgsError
	// before anything is copied.
	HostPaths []CopyPaths

	// SuffixSeparator joins a fetched file's local name and its host:
	// "name" + SuffixSeparator + host (parallel-ssh's suffix_separator).
	// Default "_". A host that appears more than once in the host list
	// gets its index too ("name_host_3"), so that no host's file
	// overwrites another's.
	SuffixSeparator string
	// PerHostDir, instead of a suffix, fetches into one directory per
	// host: local/host/base(remote). The same naming rule for repeated
	// hosts applies.
	PerHostDir bool

	// SkipSpecial skips what cannot be copied as a regular file or a
	// directory (devices, FIFOs, sockets, symbolic links to directories,
	// dangling symbolic links), listing them in CopyResult.Skipped. By
	// default each one is also an error (ErrNotRegular) on the host's
	// result, after everything else has been copied.
	SkipSpecial bool

	// Progress, if set, is called with a host's bytes copied so far and
	// its total (-1 when not known in advance), from the host's transfer
	// goroutine: calls for one host are sequential, calls for different
	// hosts concurrent. It is called at least at the end of every file.
	// It must return quickly.
	Progress func(host string, index int, done, total int64)

	// ContinueOnErrors makes the call return no error when hosts fail:
	// each failed host then carries its error on CopyResult.Err. By
	// default the call returns the first host's error in host-list order,
	// along with every host's result. Every host is attempted either way.
	ContinueOnErrors bool
}

// CopyPaths are one host's own paths; see CopyOptions.HostPaths.
type CopyPaths struct {
	Local  string
	Remote string
}

// CopyResult is one host's outcome of a copy.
type CopyResult struct {
	Host   string // the host as given in the host list
	Label  string // the host as outputs show it (HostOutput.Label)
	Index  int    // position in the host list
	Local  string // the local path: the source sent, or where the host's copy was written
	Remote string // the remote path on that host
	Bytes  int64  // file content bytes copied
	Files  int    // regular files copied completely
	// Skipped lists what was not copied because it is not a regular file
	// or a directory (see CopyOptions.SkipSpecial), as paths with a reason.
	Skipped []string
	Elapsed time.Duration
	// Err is why the host's copy failed, nil if it was complete: usually
	// a *TransferError naming the host and the path, or a connection
	// error (*ConnectionError, *AuthenticationError, ...).
	Err error
}

// SFTP client tuning: pipelined requests per file and the packet size.
const (
	sftpRequestsPerFile = 64
	sftpPacket          = 32 << 10
	// sftpLargePacket is used with servers that announce larger limits
	// (OpenSSH's limits@openssh.com: 256 KiB messages, 255 KiB reads).
	sftpLargePacket = 255 << 10
	// progressStep is how many bytes pass between Progress calls.
	progressStep = 1 << 20
)

// transferFunc copies for one host, filling r.
type transferFunc func(ctx context.Context, h *host, r *CopyResult, p *progress) error

// transfer runs fn for every host, at most PoolSize at once, and returns
// their results in host-list order. prepare, if not nil, sees every result
// (with its paths set) before anything starts; an error from it is returned
// before anything is copied.
func (c *Client) transfer(ctx context.Context, opt *CopyOptions, local, remote string, fn transferFunc, prepare func(*CopyResult) error) ([]*CopyResult, error) {
	if opt.HostPaths != nil && len(opt.HostPaths) != len(c.hosts) {
		return nil, &HostArgsError{Index: -1, Pos: -1,
			Reason: fmt.Sprintf("%d host paths for %d hosts: give one per host", len(opt.HostPaths), len(c.hosts))}
	}
	results := make([]*CopyResult, len(c.hosts))
	for i, h := range c.hosts {
		r := &CopyResult{Host: h.name, Label: h.label, Index: i, Local: local, Remote: remote}
		if opt.HostPaths != nil {
			if p := opt.HostPaths[i].Local; p != "" {
				r.Local = p
			}
			if p := opt.HostPaths[i].Remote; p != "" {
				r.Remote = p
			}
		}
		results[i] = r
	}
	if prepare != nil {
		for _, r := range results {
			if err := prepare(r); err != nil {
				return nil, err
			}
		}
	}
	workpool.Each(len(c.hosts), c.cfg.PoolSize, func(i int) {
		h, r := c.hosts[i], results[i]
		start := time.Now()
		if err := ctx.Err(); err != nil {
			r.Err = &NotStartedError{Host: h.name, Err: err}
			return
		}
		p := &progress{fn: opt.Progress, host: h.name, index: i, total: -1}
		done := c.use(h, true)
		r.Err = fn(ctx, h, r, p)
		done()
		p.flush()
		r.Elapsed = time.Since(start)
	})
	if !opt.ContinueOnErrors {
		for _, r := range results {
			if r.Err != nil {
				return results, r.Err
			}
		}
	}
	return results, nil
}

// progress counts one host's bytes and reports them through the callback.
type progress struct {
	fn       func(host string, index int, done, total int64)
	host     string
	index    int
	done     int64
	total    int64
	reported int64
}

func (p *progress) add(n int) {
	p.done += int64(n)
	if p.fn != nil && p.done-p.reported >= progressStep {
		p.flush()
	}
}

// flush reports the count now.
func (p *progress) flush() {
	if p.fn != nil && p.reported != p.done || p.done == 0 && p.fn != nil {
		p.reported = p.done
		p.fn(p.host, p.index, p.done, p.total)
	}
}

// progressReader counts what is read through it.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(n)
	return n, err
}

// progressWriter counts what is written through it.
type progressWriter struct {
	w io.Writer
	p *progress
}

func (w *progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.add(n)
	return n, err
}

// sftpConn is an SFTP client on a session of a host's kept connection.
type sftpConn struct {
	*sftp.Client
	sess   *session
	client *ssh.Client
	stop   func() bool
	posix  bool // posix-rename@openssh.com: rename over an existing file
}

// openSFTP starts the sftp subsystem on the host's connection (connecting
// first if needed). Ending ctx closes the session, failing what runs on it.
func (c *Client) openSFTP(ctx context.Context, h *host) (*sftpConn, error) {
	sess, client, err := c.dialer.session(ctx, h)
	if err != nil {
		return nil, err
	}
	sc, err := startSFTP(ctx, sess, h.connectTimeout)
	if err != nil {
		sess.close()
		if ctx.Err() != nil {
			return nil, ctxError(ctx, h, PhaseSession)
		}
		return nil, &TransferError{Host: h.name, Op: "sftp", Err: err}
	}
	s := &sftpConn{Client: sc, sess: sess, client: client}
	s.stop = context.AfterFunc(ctx, func() { sess.close() })
	_, s.posix = sc.HasExtension("posix-rename@openssh.com")
	if _, ok := sc.HasExtension("limits@openssh.com"); ok {
		// The client has not sent anything yet: safe to change.
		sftp.MaxPacketUnchecked(sftpLargePacket)(sc)
	}
	return s, nil
}

// startSFTP requests the subsystem and initialises the client, within
// timeout.
func startSFTP(ctx context.Context, sess *session, timeout time.Duration) (*sftp.Client, error) {
	t := time.AfterFunc(timeout, func() { sess.close() })
	defer t.Stop()
	stop := context.AfterFunc(ctx, func() { sess.close() })
	defer stop()
	if err := sess.start("subsystem", ssh.Marshal(struct{ Name string }{"sftp"})); err != nil {
		return nil, fmt.Errorf("the server refused the sftp subsystem (use SCPSend/SCPRecv): %w", err)
	}
	return sftp.NewClientPipe(sess.stdout(), sess.stdin(),
		sftp.UseConcurrentWrites(true),
		sftp.UseConcurrentReads(true),
		sftp.UseFstat(true),
		sftp.MaxConcurrentRequestsPerFile(sftpRequestsPerFile),
		sftp.MaxPacket(sftpPacket),
	)
}

func (s *sftpConn) Close() error {
	s.stop()
	err := s.Client.Close()
	s.sess.close()
	return err
}

// tempSuffix returns a random suffix for temporary file names.
func tempSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tempName is the temporary name a file is written under before it is
// renamed to name: ".name.pssh-tmp-RANDOM" in the same directory.
func tempName(dir, base string, join func(...string) string) string {
	return join(dir, "."+base+".pssh-tmp-"+tempSuffix())
}

// transferError wraps err for host h and path, marking it as a lost
// connection when the host's connection no longer answers.
func (c *Client) transferError(h *host, client *ssh.Client, op, path string, local bool, err error) error {
	if err == nil {
		return nil
	}
	var te *TransferError
	if errors.As(err, &te) {
		return err
	}
	if !local && client != nil && mayBeLost(err) && !alive(client, min(h.connectTimeout, 5*time.Second)) {
		h.conn.drop(client)
		err = &lostError{err}
	}
	return &TransferError{Host: h.name, Path: path, Local: local, Op: op, Err: err}
}

// mayBeLost tells errors that a dead connection may cause from the
// server's answers.
func mayBeLost(err error) bool {
	var st *sftp.StatusError
	if errors.As(err, &st) && st.Code != uint32(sftp.ErrSSHFxConnectionLost) && st.Code != uint32(sftp.ErrSSHFxNoConnection) {
		return false
	}
	return true
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
