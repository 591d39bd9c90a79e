package sshconn_test

import (
	"cmp"
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/sshconn"
	"github.com/gopssh/pssh/sshtest"
)

// keyServer starts an sshtest server accepting a new key (and faults), and
// returns it with a client config logging in with that key.
func keyServer(t testing.TB, faults sshtest.Faults) (*sshtest.Server, *ssh.ClientConfig) {
	t.Helper()
	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, &ssh.ClientConfig{
		User:            "tester",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: srv.HostKeyCallback(),
	}
}

// attempts is a Config.Dial hook that records when each attempt began.
type attempts struct {
	mu    sync.Mutex
	times []time.Time
	// before, if set, runs before attempt n (from 1) dials.
	before func(n int)
	// after, if set, runs after attempt n dialed.
	after func(n int, c net.Conn, err error) (net.Conn, error)
}

func (a *attempts) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	a.mu.Lock()
	a.times = append(a.times, time.Now())
	n := len(a.times)
	a.mu.Unlock()
	if a.before != nil {
		a.before(n)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if a.after != nil {
		return a.after(n, c, err)
	}
	return c, err
}

func (a *attempts) list() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.times...)
}

// closedAddr returns a loopback address on which nothing listens.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDialSucceeds(t *testing.T) {
	srv, cc := keyServer(t, sshtest.Faults{})
	var a attempts
	client, err := sshconn.Dial(context.Background(), sshconn.Config{
		Addr: srv.Addr, Client: cc, ConnectTimeout: 10 * time.Second, Retries: 3, RetryDelay: time.Hour, Dial: a.dial,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if client.User() != "tester" {
		t.Errorf("user %q", client.User())
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("echo hi")
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("output %q, %v", out, err)
	}
	if n := len(a.list()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestDialFailures(t *testing.T) {
	const retryDelay = 50 * time.Millisecond
	tests := []struct {
		name             string
		faults           sshtest.Faults
		closedPort       bool
		rejectHostKey    bool
		connectTimeout   time.Duration
		handshakeTimeout time.Duration
		retries          int
		phase            sshconn.Phase
		attempts         int
		limit            time.Duration // the limit that passed, if one did
		notSSH           bool          // the error wraps ErrNotSSH
	}{
		{name: "refused port is retried", closedPort: true, retries: 2, phase: sshconn.PhaseDial, attempts: 3},
		{name: "silent server times out waiting for the banner", faults: sshtest.Faults{NoBanner: true},
			connectTimeout: 300 * time.Millisecond, handshakeTimeout: time.Hour, phase: sshconn.PhaseBanner, attempts: 1, limit: 300 * time.Millisecond},
		{name: "silent server timeouts are retried", faults: sshtest.Faults{NoBanner: true},
			connectTimeout: 200 * time.Millisecond, retries: 1, phase: sshconn.PhaseBanner, attempts: 2, limit: 200 * time.Millisecond},
		{name: "host key rejection is not retried", rejectHostKey: true, retries: 2, phase: sshconn.PhaseHandshake, attempts: 1},
		{name: "auth failure is not retried", faults: sshtest.Faults{RejectAuth: true}, retries: 2, phase: sshconn.PhaseAuth, attempts: 1},
		{name: "a server closing at once is retried", faults: sshtest.Faults{Refuse: true}, retries: 1, phase: sshconn.PhaseBanner, attempts: 2},
		{name: "garbage then EOF is not SSH, not retried", faults: sshtest.Faults{GarbageBanner: true}, retries: 2,
			phase: sshconn.PhaseBanner, attempts: 1, notSSH: true},
		{name: "endless garbage is not SSH, not retried", faults: sshtest.Faults{EndlessGarbage: true}, retries: 2,
			phase: sshconn.PhaseBanner, attempts: 1, notSSH: true},
		{name: "a stalled key exchange times out at the handshake limit", faults: sshtest.Faults{StallKex: true},
			connectTimeout: time.Hour, handshakeTimeout: 300 * time.Millisecond, phase: sshconn.PhaseHandshake, attempts: 1, limit: 300 * time.Millisecond},
		{name: "slow authentication times out at the handshake limit", faults: sshtest.Faults{AuthDelay: time.Hour},
			connectTimeout: time.Hour, handshakeTimeout: 300 * time.Millisecond, phase: sshconn.PhaseAuth, attempts: 1, limit: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cc := keyServer(t, tt.faults)
			addr := srv.Addr
			if tt.closedPort {
				addr = closedAddr(t)
			}
			errHostKey := errors.New("host key rejected by test")
			if tt.rejectHostKey {
				cc.HostKeyCallback = func(string, net.Addr, ssh.PublicKey) error { return errHostKey }
			}
			connectTimeout := cmp.Or(tt.connectTimeout, 10*time.Second)
			handshakeTimeout := cmp.Or(tt.handshakeTimeout, 10*time.Second)
			var a attempts
			start := time.Now()
			client, err := sshconn.Dial(context.Background(), sshconn.Config{
				Addr: addr, Client: cc, ConnectTimeout: connectTimeout, HandshakeTimeout: handshakeTimeout,
				Retries: tt.retries, RetryDelay: retryDelay, Dial: a.dial,
			})
			elapsed := time.Since(start)
			if err == nil {
				client.Close()
				t.Fatal("Dial succeeded")
			}
			var ce *sshconn.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v, want *sshconn.Error", err, err)
			}
			if ce.Phase != tt.phase || ce.Attempts != tt.attempts || ce.Timeout != (tt.limit > 0) || ce.Limit != tt.limit {
				t.Errorf("phase %v attempts %d timeout %v limit %v (%v); want %v %d %v", ce.Phase, ce.Attempts, ce.Timeout, ce.Limit, ce.Err, tt.phase, tt.attempts, tt.limit)
			}
			times := a.list()
			if len(times) != tt.attempts {
				t.Errorf("Dial hook called %d times, want %d", len(times), tt.attempts)
			}
			var delays time.Duration // the most the backoff may have waited in all
			for i := 1; i < len(times); i++ {
				// Each gap holds the previous attempt (up to the timeout) and
				// the backoff: RetryDelay doubled per retry, jittered down to half.
				least := retryDelay << (i - 1) / 2
				delays += retryDelay << (i - 1)
				if gap := times[i].Sub(times[i-1]); gap < least {
					t.Errorf("attempt %d began %v after the previous one, want >= %v", i+1, gap, least)
				}
			}
			if tt.limit > 0 {
				// Each attempt gives up at its limit, not much later.
				lo, hi := time.Duration(tt.attempts)*tt.limit, time.Duration(tt.attempts)*tt.limit+delays+2*time.Second
				if elapsed < lo || elapsed > hi {
					t.Errorf("took %v, want between %v and %v", elapsed, lo, hi)
				}
			}
			if errors.Is(err, sshconn.ErrNotSSH) != tt.notSSH {
				t.Errorf("error %q: wraps ErrNotSSH %v, want %v", err, !tt.notSSH, tt.notSSH)
			}
			if tt.rejectHostKey && !errors.Is(err, errHostKey) {
				t.Errorf("error %v does not wrap the callback's error", err)
			}
		})
	}
}

func TestDialCancelledDuringHandshake(t *testing.T) {
	srv, cc := keyServer(t, sshtest.Faults{NoBanner: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := attempts{after: func(_ int, c net.Conn, err error) (net.Conn, error) {
		if err != nil {
			return nil, err
		}
		// The client writes its version first: cancel once the handshake is under way.
		return &onWrite{Conn: c, f: cancel}, nil
	}}
	start := time.Now()
	client, err := sshconn.Dial(ctx, sshconn.Config{
		Addr: srv.Addr, Client: cc, ConnectTimeout: time.Minute, Retries: 3, RetryDelay: time.Millisecond, Dial: a.dial,
	})
	if err == nil {
		client.Close()
		t.Fatal("Dial succeeded")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("returned %v after the cancel", elapsed)
	}
	var ce *sshconn.Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ce) || ce.Phase != sshconn.PhaseBanner || ce.Timeout || ce.Attempts != 1 {
		t.Fatalf("error %#v, want a handshake *sshconn.Error wrapping context.Canceled after 1 attempt", err)
	}
}

// onWrite calls f on the first Write.
type onWrite struct {
	net.Conn
	once sync.Once
	f    func()
}

func (c *onWrite) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.once.Do(c.f)
	return n, err
}

func TestDialRetriesUntilPortListens(t *testing.T) {
	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	addr := closedAddr(t)
	firstFailed := make(chan error, 1)
	listening := make(chan struct{})
	a := attempts{
		before: func(n int) {
			if n == 2 {
				<-listening
			}
		},
		after: func(n int, c net.Conn, err error) (net.Conn, error) {
			if n == 1 {
				firstFailed <- err
			}
			return c, err
		},
	}
	var srv *sshtest.Server
	go func() {
		defer close(listening)
		if err := <-firstFailed; err == nil {
			return // the Dial below then fails the test
		}
		srv, _ = sshtest.NewServerAt(addr, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	}()
	client, err := sshconn.Dial(context.Background(), sshconn.Config{
		Addr: addr,
		Client: &ssh.ClientConfig{
			User:            "tester",
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		},
		ConnectTimeout: 10 * time.Second, Retries: 5, RetryDelay: time.Millisecond, Dial: a.dial,
	})
	<-listening
	if srv == nil {
		t.Fatalf("the server did not start on %s (first attempt should have been refused)", addr)
	}
	defer srv.Close()
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	client.Close()
	if n := len(a.list()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if srv.Accepted() != 1 {
		t.Errorf("server accepted %d connections", srv.Accepted())
	}
}

// TestDialConnectTimeoutIsConnectAndBanner: as OpenSSH's ConnectTimeout,
// ConnectTimeout bounds the TCP connect and the banner only: a server
// slower than it to authenticate is reached within HandshakeTimeout.
func TestDialConnectTimeoutIsConnectAndBanner(t *testing.T) {
	const connectTimeout = 300 * time.Millisecond
	srv, cc := keyServer(t, sshtest.Faults{AuthDelay: 3 * connectTimeout})
	start := time.Now()
	client, err := sshconn.Dial(context.Background(), sshconn.Config{
		Addr: srv.Addr, Client: cc, ConnectTimeout: connectTimeout, HandshakeTimeout: time.Minute,
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	client.Close()
	if took := time.Since(start); took < 3*connectTimeout {
		t.Errorf("logged in after %v, before the server's delay of %v", took, 3*connectTimeout)
	}
}
