package pssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gopssh/pssh/internal/flow"
	"github.com/gopssh/pssh/internal/sshconn"
)

// conn is one host's kept connection. The zero value is unconnected.
type conn struct {
	mu     sync.Mutex
	client *ssh.Client
	stop   func() // ends client's keepalive
	// release gives back the shared jump host connection client goes
	// through; nil for a direct connection.
	release func()
	// gate holds back reading client's transport while the output of its
	// commands waits to be taken; nil when the client has no such bound.
	gate   *flow.Gate
	closed bool // the Client was closed: no more connections

	// users counts what uses the host's connection now: commands and
	// shells running or starting, copies, port forwards (see Client.use).
	users int
	// unmetered counts the copies and port forwards among them: their
	// channels are read without the gate's Readers, so the gate does not
	// hold the connection back meanwhile.
	unmetered atomic.Int32
}

var errClientClosed = errors.New("client closed")

// session opens a session on the host's connection, connecting first when
// there is none, and reconnecting once when the kept one turns out dead.
func (d *dialer) session(ctx context.Context, h *host) (*session, *ssh.Client, error) {
	client, reused, err := d.connect(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	sess, err := openSession(ctx, client, h.connectTimeout)
	var refused *ssh.OpenChannelError
	if err != nil && reused && ctx.Err() == nil && !errors.As(err, &refused) {
		// The kept connection died since the last run: drop it and dial anew.
		// (A refusal, e.g. past the server's MaxSessions, is an answer from
		// a live connection whose other sessions must not be cut.)
		h.conn.drop(client)
		if client, _, err = d.connect(ctx, h); err != nil {
			return nil, nil, err
		}
		sess, err = openSession(ctx, client, h.connectTimeout)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctxError(ctx, h, PhaseSession)
		}
		return nil, nil, sessionOpenError(h, err, h.connectTimeout)
	}
	if h.forwardAgent && h.auth.Agent() != nil {
		// As ssh -A, without asking for a reply: sshd grants forwarding once
		// per connection (later sessions share the socket) and denies the
		// repeats, and a server that forbids it should not fail the command.
		if _, err := sess.ch.SendRequest("auth-agent-req@openssh.com", false, nil); err != nil {
			sess.close()
			return nil, nil, &SessionError{Host: h.name, Op: "request agent forwarding", Err: err}
		}
	}
	return sess, client, nil
}

var errSessionTimeout = errors.New("no answer to the session request")

func sessionOpenError(h *host, err error, timeout time.Duration) error {
	if errors.Is(err, errSessionTimeout) {
		return &TimeoutError{Host: h.name, Phase: PhaseSession, Limit: timeout, Err: err}
	}
	return &SessionError{Host: h.name, Op: "open session", Err: err}
}

// openSession is newSession bounded by ctx and timeout. A connection that
// does not answer in time is closed: it is dead, or as good as.
func openSession(ctx context.Context, client *ssh.Client, timeout time.Duration) (*session, error) {
	type result struct {
		s   *session
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := newSession(client)
		ch <- result{s, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-ctx.Done():
		client.Close()
		return nil, ctx.Err()
	case <-t.C:
		client.Close()
		return nil, errSessionTimeout
	}
}

// connect returns the host's connection, dialing if there is none.
func (d *dialer) connect(ctx context.Context, h *host) (client *ssh.Client, reused bool, err error) {
	h.conn.mu.Lock()
	defer h.conn.mu.Unlock()
	if h.conn.closed {
		return nil, false, &SessionError{Host: h.name, Op: "connect", Err: errClientClosed}
	}
	if h.conn.client != nil {
		return h.conn.client, true, nil
	}
	if client, ok := d.attach(ctx, h); ok {
		h.conn.client, h.conn.stop = client, func() {}
		return client, false, nil
	}
	dial, release, err := d.transport(ctx, h)
	if err != nil {
		return nil, false, err
	}
	activity := new(sshconn.Activity)
	dial = wrapDial(dial, activity.Conn)
	var gate *flow.Gate
	if d.flow != nil {
		dial = wrapDial(dial, func(c net.Conn) net.Conn {
			gate = d.flow.NewGate(&h.conn.unmetered) // one per attempt: a failed one closed its own
			return gate.Conn(c)
		})
	}
	client, err = d.dialSSH(ctx, h, dial)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, false, d.connectError(ctx, h, err)
	}
	if h.forwardAgent {
		if ag := h.auth.Agent(); ag != nil {
			// Serves the agent channels the server opens for the sessions
			// that request forwarding, over the client's one agent connection.
			agent.ForwardToAgent(client, ag)
		}
	}
	h.conn.release = release
	h.conn.client = client
	h.conn.gate = gate
	h.conn.stop = func() {}
	if h.keepaliveInterval > 0 {
		h.conn.stop = sshconn.StartKeepalive(client, h.keepaliveInterval, h.keepaliveCountMax, activity)
	}
	return client, false, nil
}

// use marks one more user of h's connection (a command or shell about to
// start, a copy, a port forward; unmetered for the last two, see
// conn.unmetered) and returns what marks it done. With
// Config.CloseConnections, the connection is closed when its last user is
// done; else it is kept for the next.
func (c *Client) use(h *host, unmetered bool) (done func()) {
	h.conn.mu.Lock()
	h.conn.users++
	h.conn.mu.Unlock()
	if unmetered {
		h.conn.unmetered.Add(1)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if unmetered {
				h.conn.unmetered.Add(-1)
			}
			h.conn.mu.Lock()
			h.conn.users--
			client := h.conn.client
			idle := h.conn.users == 0 && c.cfg.CloseConnections && client != nil
			if idle {
				h.conn.forget()
			}
			h.conn.mu.Unlock()
			if idle {
				client.Close()
			}
		})
	}
}

// drop forgets client if it is still the kept connection, and closes it.
func (c *conn) drop(client *ssh.Client) {
	c.mu.Lock()
	if c.client == client {
		c.forget()
	}
	c.mu.Unlock()
	client.Close()
}

// close closes the kept connection and refuses new ones.
func (c *conn) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.client == nil {
		return nil
	}
	err := c.client.Close()
	c.forget()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// forget drops the kept connection and ends its keepalive; c.mu is held.
func (c *conn) forget() {
	c.stop()
	if c.release != nil {
		c.release()
	}
	c.client, c.stop, c.release, c.gate = nil, nil, nil, nil
}

// attach makes stdout and stderr, two streams' spools, where sess, a
// session on client not yet started, copies its output, counted at
// client's gate if it has one (see package flow) from now on, and returns
// what ends the counting once the session has ended.
func (c *conn) attach(client *ssh.Client, sess *session, stdout, stderr io.Writer) (detach func()) {
	c.mu.Lock()
	g := c.gate
	if c.client != client {
		g = nil
	}
	c.mu.Unlock()
	if g == nil {
		sess.toStdout, sess.toStderr = stdout, stderr
		return func() {}
	}
	sess.toStdout, sess.toStderr = g.Writer(stdout), g.Writer(stderr)
	return g.Track()
}

// wrapDial returns dial with each connection it opens wrapped by wrap. A
// nil dial is a net.Dialer's.
func wrapDial(dial func(context.Context, string, string) (net.Conn, error), wrap func(net.Conn) net.Conn) func(context.Context, string, string) (net.Conn, error) {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wrap(c), nil
	}
}

// waitError classifies the end of a session (session.wait's error): nil
// when the command reported an exit status or signal.
func (c *Client) waitError(h *host, client *ssh.Client, waitErr error) error {
	var exit *exitError
	if waitErr == nil || errors.As(waitErr, &exit) {
		return nil
	}
	if errors.Is(waitErr, errNoExit) && !alive(client, h.connectTimeout) {
		h.conn.drop(client)
		return &SessionError{Host: h.name, Op: "run", Err: ErrConnectionLost}
	}
	return &SessionError{Host: h.name, Op: "run", Err: waitErr}
}

// alive tells whether the connection still answers a keepalive request.
func alive(client *ssh.Client, timeout time.Duration) bool {
	ch := make(chan error, 1)
	go func() {
		_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
		ch <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-ch:
		return err == nil
	case <-t.C:
		return false
	}
}

// hostContext derives one host's context from the run's: bounded by
// RunOptions.HostTimeout when it is set, counted from the moment that host's
// turn to connect comes, and ended by Client.Close (its cause then
// errClientClosed). Its release must be called once the host is finished.
func (c *Client) hostContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stopClose := context.AfterFunc(c.closing, func() { cancel(errClientClosed) })
	cancelTimeout := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancelTimeout = context.WithTimeoutCause(ctx, timeout, &hostTimeout{timeout})
	}
	return ctx, func() {
		stopClose()
		cancelTimeout()
		cancel(nil)
	}
}

// hostTimeout is the cause of a host context's end at RunOptions.HostTimeout.
type hostTimeout struct{ limit time.Duration }

func (e *hostTimeout) Error() string {
	return fmt.Sprintf("host timeout of %v passed", e.limit)
}

func (e *hostTimeout) Unwrap() error { return context.DeadlineExceeded }
