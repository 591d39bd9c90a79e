package netdelay

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy accepts TCP connections on a loopback address and joins each to
// a target address, delaying the client's side with its Link: put it in
// front of a real server to measure a client over a long path. It counts
// the connections it accepted, so that a test can tell whether a client
// connected at all.
type Proxy struct {
	// Addr is the address the proxy listens on, as "host:port".
	Addr string

	link     atomic.Pointer[Link]
	target   string
	ln       net.Listener
	accepted atomic.Int64

	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	closed    bool
	closeOnce sync.Once
}

// NewProxy starts a proxy listening on listen (a loopback address such as
// "127.0.0.1:0") that forwards every connection to target with l
// applied between the client and the proxy.
func NewProxy(listen, target string, l Link) (*Proxy, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("netdelay: bad address %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("netdelay: refusing to listen on %q: not a loopback address", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("netdelay: %w", err)
	}
	p := &Proxy{
		Addr:   ln.Addr().String(),
		target: target,
		ln:     ln,
		conns:  make(map[net.Conn]struct{}),
	}
	p.SetLink(l)
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// SetLink changes the Link of the connections accepted from now on;
// those already open keep theirs.
func (p *Proxy) SetLink(l Link) { p.link.Store(&l) }

// Accepted returns how many connections the proxy has accepted.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Close stops listening, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() error {
	var err error
	p.closeOnce.Do(func() {
		err = p.ln.Close()
		p.mu.Lock()
		p.closed = true
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return err
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p.accepted.Add(1)
		p.wg.Add(1)
		go p.serve(c)
	}
}

// track registers c to be closed by Close; false if the proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// serve joins the client connection c to a new connection to the target.
func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	var client net.Conn = c
	if l := *p.link.Load(); !l.Zero() {
		client = Wrap(c, l)
	}
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	backend, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer backend.Close()
	if !p.track(backend) {
		return
	}
	defer p.untrack(backend)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		pipe(backend, client)
	}()
	go func() {
		defer wg.Done()
		pipe(client, backend)
	}()
	wg.Wait()
}

// pipe copies src to dst, then half-closes dst, or closes both on an error.
func pipe(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		src.Close()
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		dst.Close()
	}
}
