// Package sshconn opens one SSH connection: TCP dial, handshake and
// authentication under one deadline, with retries for failures that can pass.
// It reports in which phase a failure happened and leaves policy (which
// credentials, which host keys) to its caller.
package sshconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
	PhaseHandshake              // version exchange, key exchange and host key check
	PhaseAuth                   // user authentication
)

func (p Phase) String() string {
	switch p {
	case PhaseDial:
		return "dial"
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
	Timeout  bool // the attempt ran out of time
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
	ConnectTimeout time.Duration     // for dial, handshake and authentication together; 0 means none
	Retries        int               // further attempts after a failure that can pass
	RetryDelay     time.Duration     // wait before the first retry; doubled for each further one, with jitter
	Network        string            // "tcp" (default), "tcp4" or "tcp6"
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
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
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
	conn, err := dial(ctx, network, cfg.Addr)
	if err != nil {
		return nil, &Error{Phase: PhaseDial, Timeout: isTimeout(ctx, err), Err: err}
	}
	// Keep what the server says first, to tell a server that is not SSH.
	greeting := &greetingConn{Conn: conn}
	conn = greeting
	// x/crypto/ssh has no handshake timeout of its own: a host that accepts TCP
	// and never speaks would hang forever. Tie the handshake to ctx.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	var kexDone atomic.Bool
	cc := *cfg.Client
	inner := cc.HostKeyCallback
	cc.HostKeyCallback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if err := inner(hostname, remote, key); err != nil {
			return err
		}
		kexDone.Store(true)
		return nil
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, &cc)
	if !stop() || err != nil {
		conn.Close()
		if err == nil || errors.Is(ctx.Err(), context.Canceled) {
			err = ctx.Err()
		}
		err = boundNegotiation(err)
		phase := PhaseHandshake
		if kexDone.Load() {
			phase = PhaseAuth
		} else if answer, notSSH := greeting.notSSH(); notSSH {
			err = fmt.Errorf("%w (it answered %q): %w", ErrNotSSH, answer, err)
		}
		return nil, &Error{Phase: phase, Timeout: isTimeout(ctx, err), Err: err}
	}
	conn.SetDeadline(time.Time{})
	greeting.release()
	return ssh.NewClient(sc, chans, reqs), nil
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
	case PhaseHandshake:
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

// greetingConn keeps the first bytes read from the server.
type greetingConn struct {
	net.Conn
	full atomic.Bool // greeting holds maxGreeting bytes: nothing more to keep
	mu   sync.Mutex
	buf  []byte
}

func (c *greetingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.full.Load() {
		c.mu.Lock()
		c.buf = append(c.buf, p[:min(n, maxGreeting-len(c.buf))]...)
		c.full.Store(len(c.buf) == maxGreeting)
		c.mu.Unlock()
	}
	return n, err
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
