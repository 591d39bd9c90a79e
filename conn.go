package pssh

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

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
	closed  bool // the Client was closed: no more connections
}

var errClientClosed = errors.New("client closed")

// session opens a session on the host's connection, connecting first when
// there is none, and reconnecting once when the kept one turns out dead.
func (c *Client) session(ctx context.Context, h *host) (*ssh.Session, *ssh.Client, error) {
	client, reused, err := c.connect(ctx, h)
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
		if client, _, err = c.connect(ctx, h); err != nil {
			return nil, nil, err
		}
		sess, err = openSession(ctx, client, h.connectTimeout)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctxError(h, ctx)
		}
		return nil, nil, sessionOpenError(h, err, h.connectTimeout)
	}
	if h.forwardAgent && h.auth.Agent() != nil {
		// As ssh -A, without asking for a reply: sshd grants forwarding once
		// per connection (later sessions share the socket) and denies the
		// repeats, and a server that forbids it should not fail the command.
		if _, err := sess.SendRequest("auth-agent-req@openssh.com", false, nil); err != nil {
			sess.Close()
			return nil, nil, &SessionError{Host: h.name, Op: "request agent forwarding", Err: err}
		}
	}
	return sess, client, nil
}

var errSessionTimeout = errors.New("no answer to the session request")

func sessionOpenError(h *host, err error, timeout time.Duration) error {
	if errors.Is(err, errSessionTimeout) {
		return &TimeoutError{Host: h.name, Op: "open session", Limit: timeout, Err: err}
	}
	return &SessionError{Host: h.name, Op: "open session", Err: err}
}

// openSession is NewSession bounded by ctx and timeout. A connection that
// does not answer in time is closed: it is dead, or as good as.
func openSession(ctx context.Context, client *ssh.Client, timeout time.Duration) (*ssh.Session, error) {
	type result struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := client.NewSession()
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
func (c *Client) connect(ctx context.Context, h *host) (client *ssh.Client, reused bool, err error) {
	h.conn.mu.Lock()
	defer h.conn.mu.Unlock()
	if h.conn.closed {
		return nil, false, &SessionError{Host: h.name, Op: "connect", Err: errClientClosed}
	}
	if h.conn.client != nil {
		return h.conn.client, true, nil
	}
	dial, release, err := c.transport(ctx, h)
	if err != nil {
		return nil, false, err
	}
	client, err = c.dialSSH(ctx, h, dial)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, false, c.connectError(ctx, h, err)
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
	h.conn.stop = func() {}
	if h.keepaliveInterval > 0 {
		h.conn.stop = sshconn.StartKeepalive(client, h.keepaliveInterval, h.keepaliveCountMax)
	}
	return client, false, nil
}

// dialSSH opens an SSH connection to h (a host or a jump host) over dial.
func (c *Client) dialSSH(ctx context.Context, h *host, dial func(context.Context, string, string) (net.Conn, error)) (*ssh.Client, error) {
	var algos []string
	if h.known != nil {
		// Ask for the key types known_hosts has for the host first, so that
		// a server with several host keys offers the known one.
		algos = h.known.HostKeyAlgorithms(h.addr)
	}
	return sshconn.Dial(ctx, sshconn.Config{
		Addr: h.addr,
		Client: &ssh.ClientConfig{
			Config: ssh.Config{
				KeyExchanges: c.cfg.KeyExchanges,
				Ciphers:      c.cfg.Ciphers,
			},
			User:              h.user,
			Auth:              h.auth.Methods(),
			HostKeyAlgorithms: algos,
			HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
				if err := h.hostKeyCallback(hostname, remote, key); err != nil {
					return &hostKeyErr{err, key}
				}
				return nil
			},
		},
		ConnectTimeout: h.connectTimeout,
		Retries:        c.cfg.Retries,
		RetryDelay:     c.cfg.RetryDelay,
		Network:        c.cfg.AddressFamily.network(),
		Dial:           dial,
	})
}

// connectError turns a sshconn error into the public typed error.
func (c *Client) connectError(ctx context.Context, h *host, err error) error {
	var ce *sshconn.Error
	if !errors.As(err, &ce) {
		return &ConnectionError{Host: h.name, Addr: h.addr, Err: c.fileLimitError(err)}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(ce.Err, context.Canceled):
		return &NotStartedError{Host: h.name, Err: ce.Err}
	case errors.As(ce.Err, &dnsErr) && !dnsErr.IsTimeout && !dnsErr.IsTemporary:
		return &UnknownHostError{Host: h.name, Err: ce.Err}
	case ce.Timeout:
		if ctx.Err() != nil {
			return &TimeoutError{Host: h.name, Op: "run", Err: ctx.Err()}
		}
		return &TimeoutError{Host: h.name, Op: "connect to " + h.addr + " (" + ce.Phase.String() + ")", Limit: h.connectTimeout, Err: ce.Err}
	case ce.Phase == sshconn.PhaseAuth && isAuthFailure(ce.Err):
		return &AuthenticationError{Host: h.name, User: h.user, Addr: h.addr, Tried: h.auth.Tried(), Skipped: h.auth.Skipped(), Err: ce.Err}
	case ce.Phase == sshconn.PhaseHandshake && isHostKeyFailure(ce.Err):
		var hk *hostKeyErr
		errors.As(ce.Err, &hk)
		return hostKeyError(h, hk.err, hk.key)
	}
	return &ConnectionError{Host: h.name, Addr: h.addr, Attempts: ce.Attempts, Err: c.fileLimitError(ce.Err)}
}

// hostKeyErr marks errors returned by the host key callback, so that they can
// be told from other handshake failures.
type hostKeyErr struct {
	err error
	key ssh.PublicKey // the key the server offered
}

func (e *hostKeyErr) Error() string { return e.err.Error() }
func (e *hostKeyErr) Unwrap() error { return e.err }

func isHostKeyFailure(err error) bool {
	var hk *hostKeyErr
	return errors.As(err, &hk)
}

func isAuthFailure(err error) bool {
	// x/crypto/ssh gives no type for this; its message is stable.
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
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
	c.client, c.stop, c.release = nil, nil, nil
}
