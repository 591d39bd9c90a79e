package sshtest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopssh/pssh/internal/netdelay"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is an SSH server listening on a loopback address, started by
// [NewServer] or [NewServerAt]. Close it when done.
type Server struct {
	// Addr is the address the server listens on, as "host:port", for
	// example "127.0.0.1:34567" or "[::1]:34567". Pass it to ssh.Dial.
	Addr string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey

	cfg            Config
	authorizedKeys [][]byte        // wire encodings of cfg.AuthorizedKeys and cfg.ClientKey
	hostKeys       []ssh.PublicKey // the host keys served, one per type
	sshCfg         *ssh.ServerConfig
	ln             net.Listener
	host           string
	port           int

	faults   atomic.Pointer[Faults]
	accepted atomic.Int64
	sessions atomic.Int64

	closing   chan struct{} // closed when Close starts
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup // every goroutine the server started

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

// NewServer starts a server on 127.0.0.1 with a free port.
func NewServer(cfg Config) (*Server, error) {
	return NewServerAt("127.0.0.1:0", cfg)
}

// NewServerAt starts a server listening on addr, which must be a loopback
// address such as "127.0.0.5:0", "[::1]:0" or "localhost:2222"; any other
// address (including an empty host, which means all interfaces) is refused
// with an error. Port 0 picks a free port.
func NewServerAt(addr string, cfg Config) (*Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	if err := checkAlgorithms(&cfg); err != nil {
		return nil, err
	}
	if cfg.HostKey == nil {
		k, err := GenerateKeyType(defaultHostKeyType(&cfg))
		if err != nil {
			return nil, err
		}
		cfg.HostKey = k.Signer
	}
	signers, err := hostSigners(&cfg)
	if err != nil {
		return nil, err
	}
	if cfg.ClientKey == nil {
		k, err := GenerateKey()
		if err != nil {
			return nil, err
		}
		cfg.ClientKey = k
	} else if cfg.ClientKey.Signer == nil || len(cfg.ClientKey.PEM) == 0 {
		return nil, errors.New("sshtest: Config.ClientKey needs both Signer and PEM")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sshtest: %w", err)
	}
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("sshtest: %s resolved to non-loopback address %s", addr, ln.Addr())
	}
	s := &Server{
		Addr:    ln.Addr().String(),
		HostKey: signers[0].PublicKey(),
		cfg:     cfg,
		ln:      ln,
		host:    tcp.IP.String(),
		port:    tcp.Port,
		closing: make(chan struct{}),
		conns:   make(map[*trackedConn]struct{}),
	}
	for _, k := range cfg.AuthorizedKeys {
		s.authorizedKeys = append(s.authorizedKeys, k.Marshal())
	}
	s.authorizedKeys = append(s.authorizedKeys, cfg.ClientKey.PublicKey().Marshal())
	s.hostKeys = servedHostKeys(signers)
	s.sshCfg = s.newSSHConfig(signers)
	s.SetFaults(cfg.Faults)
	s.wg.Add(1)
	go s.acceptLoop()
	s.logf("listening")
	return s, nil
}

// checkLoopback returns an error unless addr is host:port with a loopback
// IP literal or "localhost" as host.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sshtest: bad address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sshtest: refusing to listen on %q: not a loopback address (use 127.0.0.0/8 or ::1)", addr)
	}
	return nil
}

// Host returns the IP address the server listens on, without port or
// brackets, for example "127.0.0.1" or "::1".
func (s *Server) Host() string { return s.host }

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// Accepted returns the number of TCP connections accepted so far, including
// those closed by the Refuse fault.
func (s *Server) Accepted() int64 { return s.accepted.Load() }

// Sessions returns the number of exec and shell requests received so far,
// including those held by the HangExec fault and those that failed to start.
func (s *Server) Sessions() int64 { return s.sessions.Load() }

// RTT returns the round trip Config.Delay adds to every exchange with the
// server: twice the delay.
func (s *Server) RTT() time.Duration { return 2 * s.cfg.Delay }

// link is the path between a client and the server.
func (s *Server) link() netdelay.Link {
	return netdelay.Link{Delay: s.cfg.Delay, Bandwidth: s.cfg.Bandwidth}
}

// HostKeyCallback returns a host key callback for ssh.ClientConfig that
// accepts exactly this server's host key.
func (s *Server) HostKeyCallback() ssh.HostKeyCallback {
	return ssh.FixedHostKey(s.HostKey)
}

// KnownHostsLine returns a known_hosts line (without trailing newline) for
// this server, for example "[127.0.0.1]:34567 ssh-ed25519 AAAA...". The
// brackets and port are omitted when the port is 22.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{s.Addr}, s.HostKey)
}

// DropConnections closes every open client connection (including ones still
// in their handshake) at once, killing their commands, as if the network had
// failed. The server keeps listening and accepts new connections.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	s.logf("dropped %d connections", len(conns))
}

// Close stops listening, closes all connections, kills all running commands
// (with their process groups) and waits until every goroutine and process the
// server started has finished. It is idempotent and safe to call
// concurrently; every call returns after the shutdown is complete.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = fmt.Errorf("sshtest: %w", err)
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.DropConnections()
		s.wg.Wait()
		s.logf("closed")
	})
	return s.closeErr
}

// acceptLoop accepts connections until the listener is closed.
func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closing:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Probably out of file descriptors: back off and retry.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("accept: %v; retrying in %v", err, backoff)
			if !s.sleep(backoff, nil) {
				return
			}
			continue
		}
		backoff = 0
		s.accepted.Add(1)
		f := s.Faults()
		if f.Refuse {
			s.logf("%s: refused (Refuse fault)", c.RemoteAddr())
			c.Close()
			continue
		}
		if l := s.link(); !l.Zero() {
			c = netdelay.Wrap(c, l)
		}
		tc := &trackedConn{Conn: c, done: make(chan struct{})}
		if !s.track(tc) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go s.serveConn(tc, f)
	}
}

// track registers c so that DropConnections and Close can close it. It
// returns false if the server is closed.
func (s *Server) track(c *trackedConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *trackedConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// logf logs through Config.Logf, if set.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf("sshtest %s: "+format, append([]any{s.Addr}, args...)...)
	}
}

// trackedConn is an accepted connection whose done channel is closed as soon
// as it is closed by anyone.
type trackedConn struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.done) })
	return err
}
