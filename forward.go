package pssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/socks"
)

// ForwardOptions change how ForwardLocal, ForwardRemote and Socks listen
// and report. The zero value, or nil, listens on loopback addresses only
// and drops the errors of single connections.
type ForwardOptions struct {
	// AllowNonLoopback lets a forward listen on an address other than
	// loopback (127.0.0.0/8, ::1, "localhost"): "0.0.0.0:8080", a LAN
	// address, a host name. Anyone who can reach such a listener gets a
	// connection from the host. For ForwardRemote the server must allow it
	// too (OpenSSH's GatewayPorts).
	AllowNonLoopback bool
	// OnError, if set, is called from the forward's goroutines with the
	// error of each connection that could not be forwarded (the far side
	// refused or could not reach the target, a bad SOCKS request). Such a
	// connection is closed and the forward goes on; by default the error
	// is dropped, as ssh drops it after printing it.
	OnError func(error)
}

// Forward is a port forwarding started by ForwardLocal, ForwardRemote or
// Socks. It runs until Close, until its context ends, until the Client is
// closed, or until its listener fails (for ForwardRemote: the host's
// connection was lost).
type Forward struct {
	host    string
	ln      net.Listener
	dial    func(ctx context.Context, in net.Conn) (net.Conn, error)
	onError func(error)
	client  *Client
	ctx     context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // both ends of the open tunnels
	err    error
	closed bool

	wg   sync.WaitGroup // the tunnels
	done chan struct{}  // closed when the accept loop and every tunnel ended
	// unuse marks the forward's use of the host's connection done (see
	// Client.use).
	unuse func()
}

// Addr returns the address the forward listens on: local for ForwardLocal
// and Socks, on the host for ForwardRemote (with the port the server chose
// for port 0).
func (f *Forward) Addr() net.Addr { return f.ln.Addr() }

// Done is closed when the forward has stopped and its tunnels are closed.
func (f *Forward) Done() <-chan struct{} { return f.done }

// Err returns why the forward stopped: nil while it runs and after Close,
// a *SessionError naming the host (Op "forward") when its listener failed
// or its context ended (wrapping the context's error).
func (f *Forward) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Close stops listening, closes the open tunnels, and waits for them to end.
func (f *Forward) Close() error {
	f.stop(nil)
	<-f.done
	return nil
}

// stop ends the forward once, recording err as the reason.
func (f *Forward) stop(err error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	f.err = err
	conns := f.conns
	f.conns = nil
	f.mu.Unlock()
	f.cancel()
	f.ln.Close()
	for c := range conns {
		c.Close()
	}
	f.client.mu.Lock()
	delete(f.client.forwards, f)
	f.client.mu.Unlock()
}

// track records c as an open tunnel end, or closes it and reports false
// when the forward has stopped.
func (f *Forward) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		c.Close()
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forward) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	c.Close()
}

func (f *Forward) serve() {
	defer close(f.done)
	defer f.unuse()
	defer f.wg.Wait()
	go func() {
		<-f.ctx.Done()
		f.stop(&SessionError{Host: f.host, Op: "forward", Err: context.Cause(f.ctx)})
	}()
	for {
		in, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the host's connection was lost")
			}
			f.stop(&SessionError{Host: f.host, Op: "forward", Err: err})
			return
		}
		if !f.track(in) {
			continue
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer f.untrack(in)
			out, err := f.dial(f.ctx, in)
			if err != nil {
				if f.onError != nil && f.ctx.Err() == nil {
					f.onError(&SessionError{Host: f.host, Op: "forward", Err: err})
				}
				return
			}
			if !f.track(out) {
				return
			}
			defer f.untrack(out)
			pipe(in, out)
		}()
	}
}

// pipe copies both ways, passing on each side's end of input as a half
// close, until both directions ended.
func pipe(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		io.Copy(b, a)
		closeWrite(b)
		close(done)
	}()
	io.Copy(a, b)
	closeWrite(a)
	<-done
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}

// start runs a forward over ln, registered with the client; unuse marks
// its use of the host's connection done once it has stopped.
func (c *Client) startForward(ctx context.Context, h *host, ln net.Listener, o *ForwardOptions, unuse func(), dial func(context.Context, net.Conn) (net.Conn, error)) (*Forward, error) {
	fctx, cancel := context.WithCancel(ctx)
	f := &Forward{host: h.name, ln: ln, dial: dial, onError: o.OnError, client: c, ctx: fctx, cancel: cancel,
		conns: map[net.Conn]struct{}{}, done: make(chan struct{}), unuse: unuse}
	c.mu.Lock()
	if c.forwards == nil {
		c.forwards = map[*Forward]struct{}{}
	}
	c.forwards[f] = struct{}{}
	c.mu.Unlock()
	go f.serve()
	return f, nil
}

// closeForwards stops every forward; Close calls it.
func (c *Client) closeForwards() {
	c.mu.Lock()
	fs := make([]*Forward, 0, len(c.forwards))
	for f := range c.forwards {
		fs = append(fs, f)
	}
	c.mu.Unlock()
	for _, f := range fs {
		f.Close()
	}
}

func (c *Client) forwardHost(i int) (*host, error) {
	if i < 0 || i >= len(c.hosts) {
		return nil, fmt.Errorf("pssh: host index %d out of range (0 to %d)", i, len(c.hosts)-1)
	}
	return c.hosts[i], nil
}

// bindAddr completes a listen address: "" and a bare port or ":port" bind
// 127.0.0.1 (port 0 when none is given). Non-loopback addresses are refused
// unless allowed.
func bindAddr(addr string, allowAny bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, perr := strconv.Atoi(addr); perr != nil && addr != "" {
			return "", fmt.Errorf("pssh: bad listen address %q: %w", addr, err)
		}
		host, port = "", addr
	}
	if port == "" {
		port = "0"
	}
	if host == "" {
		host = "127.0.0.1"
	}
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil {
		loopback = ip.IsLoopback()
	}
	if !loopback && !allowAny {
		return "", fmt.Errorf("pssh: refusing to listen on %s, which is not a loopback address (set ForwardOptions.AllowNonLoopback)", host)
	}
	return net.JoinHostPort(host, port), nil
}

// ForwardLocal forwards a local port to remote through the host's
// connection, as ssh -L local:remote: each connection accepted on local
// opens one to remote ("host:port", resolved and dialed by the server) and
// copies both ways. local is "127.0.0.1:8080", ":8080" or "8080"
// (127.0.0.1), port 0 for any free port (see Forward.Addr); a non-loopback
// local address needs ForwardOptions.AllowNonLoopback. The host is connected now if it
// is not yet, and a kept connection found dead is redialed, as for Run.
// ctx ending stops the forward. The server must allow it (OpenSSH's
// AllowTcpForwarding).
func (c *Client) ForwardLocal(ctx context.Context, hostIndex int, local, remote string, opt *ForwardOptions) (*Forward, error) {
	return c.forwardLocal(ctx, hostIndex, local, opt, func(ctx context.Context, h *host, in net.Conn) (net.Conn, error) {
		return c.dialThrough(ctx, h, remote)
	})
}

// Socks runs a SOCKS5 proxy on local (as ForwardLocal's) whose connections
// go out from the host, as ssh -D: CONNECT requests without authentication,
// to IPv4, IPv6 or domain-name addresses (resolved by the server). Use it
// with socks5:// (or socks5h://) proxy URLs.
func (c *Client) Socks(ctx context.Context, hostIndex int, local string, opt *ForwardOptions) (*Forward, error) {
	return c.forwardLocal(ctx, hostIndex, local, opt, func(ctx context.Context, h *host, in net.Conn) (net.Conn, error) {
		target, err := socks.Handshake(in)
		if err != nil {
			return nil, err
		}
		out, err := c.dialThrough(ctx, h, target)
		if err != nil {
			code := byte(socks.HostUnreachable)
			var oce *ssh.OpenChannelError
			if errors.As(err, &oce) && oce.Reason == ssh.Prohibited {
				code = socks.NotAllowed
			}
			socks.Reply(in, code)
			return nil, err
		}
		if err := socks.Reply(in, socks.Succeeded); err != nil {
			out.Close()
			return nil, err
		}
		return out, nil
	})
}

func (c *Client) forwardLocal(ctx context.Context, hostIndex int, local string, opt *ForwardOptions, dial func(context.Context, *host, net.Conn) (net.Conn, error)) (*Forward, error) {
	h, err := c.forwardHost(hostIndex)
	if err != nil {
		return nil, err
	}
	if opt == nil {
		opt = &ForwardOptions{}
	}
	addr, err := bindAddr(local, opt.AllowNonLoopback)
	if err != nil {
		return nil, err
	}
	unuse := c.use(h, true)
	// Connect first, so that a host that cannot be reached fails here.
	if _, _, err := c.dialer.connect(ctx, h); err != nil {
		unuse()
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		unuse()
		return nil, &SessionError{Host: h.name, Op: "forward", Err: err}
	}
	return c.startForward(ctx, h, ln, opt, unuse, func(ctx context.Context, in net.Conn) (net.Conn, error) {
		return dial(ctx, h, in)
	})
}

// dialThrough opens a direct-tcpip channel to addr through the host,
// redialing once a kept connection found dead.
func (c *Client) dialThrough(ctx context.Context, h *host, addr string) (net.Conn, error) {
	client, reused, err := c.dialer.connect(ctx, h)
	if err != nil {
		return nil, err
	}
	conn, err := dialChannel(ctx, client, addr, h)
	var refused *ssh.OpenChannelError
	if err != nil && reused && ctx.Err() == nil && !errors.As(err, &refused) {
		h.conn.drop(client)
		if client, _, err = c.dialer.connect(ctx, h); err != nil {
			return nil, err
		}
		conn, err = dialChannel(ctx, client, addr, h)
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, nil
}

func dialChannel(ctx context.Context, client *ssh.Client, addr string, h *host) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, h.connectTimeout)
	defer cancel()
	return client.DialContext(ctx, "tcp", addr)
}

// ForwardRemote forwards a port on the host to local, as ssh -R
// remote:local: the server listens on remote, and each connection to it
// is dialed to local ("host:port") from this side. remote is as
// ForwardLocal's local address, on the host ("" or "0": a port the server
// picks, see Forward.Addr); a non-loopback one needs ForwardOptions.AllowNonLoopback here
// and GatewayPorts on an OpenSSH server. The forward stops when the host's
// connection is lost.
func (c *Client) ForwardRemote(ctx context.Context, hostIndex int, remote, local string, opt *ForwardOptions) (*Forward, error) {
	h, err := c.forwardHost(hostIndex)
	if err != nil {
		return nil, err
	}
	if opt == nil {
		opt = &ForwardOptions{}
	}
	addr, err := bindAddr(remote, opt.AllowNonLoopback)
	if err != nil {
		return nil, err
	}
	unuse := c.use(h, true)
	client, reused, err := c.dialer.connect(ctx, h)
	if err != nil {
		unuse()
		return nil, err
	}
	ln, err := listenRemote(ctx, client, addr, h)
	if err != nil && reused && ctx.Err() == nil && !errors.Is(err, errForwardDenied) {
		// The kept connection died since it was last used: dial anew.
		h.conn.drop(client)
		if client, _, err = c.dialer.connect(ctx, h); err != nil {
			unuse()
			return nil, err
		}
		ln, err = listenRemote(ctx, client, addr, h)
	}
	if err != nil {
		unuse()
		return nil, &SessionError{Host: h.name, Op: "forward", Err: fmt.Errorf("listen on %s: %w", addr, err)}
	}
	return c.startForward(ctx, h, ln, opt, unuse, func(ctx context.Context, in net.Conn) (net.Conn, error) {
		var d net.Dialer
		ctx, cancel := context.WithTimeout(ctx, h.connectTimeout)
		defer cancel()
		return d.DialContext(ctx, "tcp", local)
	})
}

var errForwardDenied = errors.New("the server refused to listen (check AllowTcpForwarding, and GatewayPorts for a non-loopback address)")

// listenRemote asks the server to listen on addr, bounded by ctx and the
// connect timeout; a connection that does not answer in time is closed.
func listenRemote(ctx context.Context, client *ssh.Client, addr string, h *host) (net.Listener, error) {
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		ln, err := client.Listen("tcp", addr)
		if err != nil && strings.Contains(err.Error(), "denied") {
			err = errForwardDenied
		}
		ch <- result{ln, err}
	}()
	t := time.NewTimer(h.connectTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.ln, r.err
	case <-ctx.Done():
		client.Close()
		return nil, ctx.Err()
	case <-t.C:
		client.Close()
		return nil, errors.New("no answer to the tcpip-forward request")
	}
}
