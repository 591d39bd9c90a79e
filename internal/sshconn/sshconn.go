// Package sshconn opens one SSH connection: TCP dial, version exchange,
// handshake and authentication, with retries for failures that can pass.
// Two limits bound an attempt, as OpenSSH's ConnectTimeout and sshd's
// LoginGraceTime would: ConnectTimeout the TCP connect and the wait for the
// server's version line (the banner), HandshakeTimeout what follows (key
// exchange, host key check, authentication). It reports in which phase a
// failure happened and leaves policy (which credentials, which host keys)
// to its caller.
package sshconn

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Phase is the step of connecting at which an attempt failed.
type Phase int

// The phases of a connection attempt.
const (
	PhaseDial      Phase = iota // resolving the name and opening TCP
	PhaseBanner                 // waiting for the server's version line
	PhaseHandshake              // key exchange and host key check
	PhaseAuth                   // user authentication
)

func (p Phase) String() string {
	switch p {
	case PhaseDial:
		return "dial"
	case PhaseBanner:
		return "banner"
	case PhaseHandshake:
		return "handshake"
	default:
		return "authentication"
	}
}

// Error is a failed connection: the phase of the last attempt, how many
// attempts were made, and the cause.
type Error struct {
	Phase    Phase
	Attempts int
	Timeout  bool          // the attempt ran out of time
	Limit    time.Duration // the limit that passed (ConnectTimeout or HandshakeTimeout); 0 for the caller's context
	Err      error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s failed: %v", e.Phase, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Config describes one connection.
type Config struct {
	Addr           string            // host:port
	Client         *ssh.ClientConfig // user, auth and host key policy; Timeout is ignored
	ConnectTimeout time.Duration     // for the TCP connect and the server's version line together; 0 means none
	// HandshakeTimeout bounds the key exchange, host key check and
	// authentication, from the server's version line on; 0 means none.
	HandshakeTimeout time.Duration
	Retries          int           // further attempts after a failure that can pass
	RetryDelay       time.Duration // wait before the first retry; doubled for each further one, with jitter
	Network          string        // "tcp" (default), "tcp4" or "tcp6"
	// Dial opens the transport; nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dial connects, retrying refused, reset and timed-out attempts.
func Dial(ctx context.Context, cfg Config) (*ssh.Client, error) {
	for attempt := 1; ; attempt++ {
		c, err := dialOnce(ctx, cfg)
		if err == nil {
			return c, nil
		}
		err.Attempts = attempt
		if attempt > cfg.Retries || !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		if d := Backoff(cfg.RetryDelay, attempt); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, err
			case <-t.C:
			}
		}
	}
}

func dialOnce(ctx context.Context, cfg Config) (*ssh.Client, *Error) {
	begin := time.Now()
	dialCtx := ctx
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		dialCtx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	network := cfg.Network
	if network == "" {
		network = "tcp"
	}
	conn, err := dial(dialCtx, network, cfg.Addr)
	if err != nil {
		e := &Error{Phase: PhaseDial, Timeout: isTimeout(dialCtx, err), Err: err}
		if e.Timeout && ctx.Err() == nil {
			e.Limit = cfg.ConnectTimeout
		}
		return nil, e
	}
	// x/crypto/ssh has no timeout of its own: a host that accepts TCP and
	// never speaks would hang forever. The watchdog ends the connection
	// when a limit passes or ctx ends: what is left of ConnectTimeout for
	// the banner, then HandshakeTimeout for the rest.
	w := &watchdog{conn: conn}
	w.enter(PhaseBanner, cfg.ConnectTimeout-time.Since(begin), cfg.ConnectTimeout)
	// Keep what the server says first, to tell a server that is not SSH,
	// and to see its version line arrive.
	greeting := &greetingConn{Conn: conn, onBanner: func() {
		w.enter(PhaseHandshake, cfg.HandshakeTimeout, cfg.HandshakeTimeout)
	}}
	stop := context.AfterFunc(ctx, w.cancel)
	cc := *cfg.Client
	inner := cc.HostKeyCallback
	cc.HostKeyCallback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if err := inner(hostname, remote, key); err != nil {
			return err
		}
		w.advance(PhaseAuth)
		return nil
	}
	sc, chans, reqs, err := ssh.NewClientConn(greeting, cfg.Addr, &cc)
	stopped := stop()
	phase, expired := w.end()
	if !stopped || err != nil || expired > 0 {
		conn.Close()
		if err == nil || errors.Is(ctx.Err(), context.Canceled) {
			err = cmp.Or(ctx.Err(), err, error(os.ErrDeadlineExceeded))
		}
		err = boundNegotiation(err)
		if phase < PhaseAuth {
			if answer, notSSH := greeting.notSSH(); notSSH {
				err = fmt.Errorf("%w (it answered %q): %w", ErrNotSSH, answer, err)
			}
		}
		e := &Error{Phase: phase, Timeout: expired > 0 || isTimeout(ctx, err), Err: err}
		if ctx.Err() == nil {
			e.Limit = expired
		}
		return nil, e
	}
	conn.SetDeadline(time.Time{})
	greeting.release()
	return ssh.NewClient(sc, chans, reqs), nil
}

// watchdog ends a connection when the limit of the phase it is in passes,
// or when it is cancelled.
type watchdog struct {
	conn net.Conn

	mu      sync.Mutex
	phase   Phase
	gen     int // counts the timers armed: an older one's firing is void
	timer   *time.Timer
	expired time.Duration // the limit that passed; 0 if none
	ended   bool
}

// enter starts phase p with a timer of d (none if 0), reported as limit
// when it passes; it replaces the previous phase's timer.
func (w *watchdog) enter(p Phase, d, limit time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.expired > 0 {
		return
	}
	w.phase = p
	w.gen++
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if limit <= 0 {
		return
	}
	gen := w.gen
	w.timer = time.AfterFunc(max(d, 0), func() { w.fire(gen, limit) })
}

// advance moves to phase p under the same limit.
func (w *watchdog) advance(p Phase) {
	w.mu.Lock()
	if !w.ended && w.expired == 0 {
		w.phase = p
	}
	w.mu.Unlock()
}

func (w *watchdog) fire(gen int, limit time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || gen != w.gen {
		return
	}
	w.expired = limit
	w.conn.SetDeadline(time.Unix(1, 0))
}

// cancel ends the connection now (the caller's context ended).
func (w *watchdog) cancel() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.conn.SetDeadline(time.Unix(1, 0))
	}
}

// end stops the watchdog and returns the phase reached and the limit that
// passed, if one did.
func (w *watchdog) end() (Phase, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ended = true
	if w.timer != nil {
		w.timer.Stop()
	}
	return w.phase, w.expired
}

func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(ctx.Err(), context.Canceled) {
		return false
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryable tells failures that may pass (refused, reset, unreachable, timed
// out) from those that will not (unknown name, host key, authentication).
func retryable(e *Error) bool {
	if e.Timeout {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(e.Err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	switch e.Phase {
	case PhaseDial:
		return true
	case PhaseBanner, PhaseHandshake:
		if errors.Is(e.Err, ErrNotSSH) {
			return false // something else listens there, and will go on
		}
		// A reset or an early close before key exchange completed (a server
		// still starting, or MaxStartups dropping us) may pass; a host key
		// rejection may not.
		return errors.Is(e.Err, syscall.ECONNRESET) || errors.Is(e.Err, syscall.EPIPE) || errors.Is(e.Err, io.EOF)
	}
	return false
}

// maxBackoff caps the wait between attempts.
const maxBackoff = time.Minute

// Backoff returns the wait after the given failed attempt (1 for the
// first): base doubled for each attempt after the first, capped at a
// minute, and spread at random over [d/2, d) so that hosts failing together
// do not retry together.
func Backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// ErrNotSSH is wrapped by the error of a handshake with a server that
// answered with something other than an SSH version banner: another
// service (HTTP, SMTP, ...) listens on the port. Such failures are not
// retried.
var ErrNotSSH = errors.New("not an SSH server")

// maxGreeting is how much of what a server sends first greetingConn keeps:
// the 255 bytes x/crypto/ssh reads of a version line, and a little more.
const maxGreeting = 256

// greetingConn keeps the first bytes read from the server, and calls
// onBanner once the server's version line ("SSH-..." and its newline) has
// arrived, after any other lines the server sent first.
type greetingConn struct {
	net.Conn
	onBanner func()

	full atomic.Bool // greeting holds maxGreeting bytes: nothing more to keep
	mu   sync.Mutex
	buf  []byte

	banner  atomic.Bool // the version line arrived
	line    [4]byte     // the start of the line being read
	lineLen int

	// x/crypto/ssh reads the version line a byte at a time, one system
	// call each, straight from the connection (its buffered reader comes
	// after): until the line has arrived, greetingConn reads ahead, and
	// serves what it read first.
	ahead []byte
}

// readAhead is how much greetingConn reads at once before the version
// line: a version line and the start of what follows.
const readAhead = 512

func (c *greetingConn) Read(p []byte) (int, error) {
	var n int
	var err error
	switch {
	case len(c.ahead) > 0:
		n = copy(p, c.ahead)
		c.ahead = c.ahead[n:]
		if len(c.ahead) == 0 {
			c.ahead = nil
		}
	case !c.banner.Load() && len(p) < readAhead:
		buf := make([]byte, readAhead)
		var m int
		m, err = c.Conn.Read(buf)
		if m > 0 {
			// An error with bytes comes again on the next read.
			n, err = copy(p, buf[:m]), nil
			if n < m {
				c.ahead = buf[n:m]
			}
		}
	default:
		n, err = c.Conn.Read(p)
	}
	if n > 0 && !c.full.Load() {
		c.mu.Lock()
		c.buf = append(c.buf, p[:min(n, maxGreeting-len(c.buf))]...)
		c.full.Store(len(c.buf) == maxGreeting)
		c.mu.Unlock()
	}
	if n > 0 && c.onBanner != nil && !c.banner.Load() && c.sawBanner(p[:n]) {
		c.banner.Store(true)
		c.onBanner()
	}
	return n, err
}

// sawBanner scans bytes read before the version line; it tells whether
// they complete it. Only x/crypto's handshake reads then, one call at a
// time.
func (c *greetingConn) sawBanner(p []byte) bool {
	for _, b := range p {
		if b == '\n' {
			if c.lineLen >= 4 && string(c.line[:]) == "SSH-" {
				return true
			}
			c.lineLen = 0
			continue
		}
		if c.lineLen < len(c.line) {
			c.line[c.lineLen] = b
		}
		c.lineLen++
	}
	return false
}

// release drops the kept bytes once the handshake has succeeded: a kept
// connection need not hold them.
func (c *greetingConn) release() {
	c.full.Store(true)
	c.mu.Lock()
	c.buf = nil
	c.mu.Unlock()
}

// notSSH reports whether the server sent something that holds no SSH
// version line ("SSH-" at the start of a line), and returns its first line,
// shortened.
func (c *greetingConn) notSSH() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.buf) == 0 {
		return "", false
	}
	for line := range bytes.Lines(c.buf) {
		if bytes.HasPrefix(line, []byte("SSH-")) {
			return "", false
		}
	}
	first, _, _ := bytes.Cut(c.buf, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	if len(first) > 60 {
		return string(first[:60]) + "...", true
	}
	return string(first), true
}
