package pssh_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// freezer dials real connections that it can later freeze: a frozen
// connection neither delivers nor sends anything, like a peer that vanished
// without closing (a host powered off, a firewall dropping packets).
type freezer struct {
	mu     sync.Mutex
	frozen chan struct{}
	conns  []net.Conn
}

func newFreezer() *freezer { return &freezer{frozen: make(chan struct{})} }

func (f *freezer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	fc := &frozenConn{Conn: c, frozen: f.frozen, closed: make(chan struct{})}
	f.mu.Lock()
	f.conns = append(f.conns, fc)
	f.mu.Unlock()
	return fc, nil
}

// freeze stops all traffic on the connections dialed so far.
func (f *freezer) freeze() { close(f.frozen) }

type frozenConn struct {
	net.Conn
	frozen    <-chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func (c *frozenConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	select {
	case <-c.frozen: // drop what came, and never return again
		<-c.closed
		return 0, net.ErrClosed
	default:
		return n, err
	}
}

func (c *frozenConn) Write(p []byte) (int, error) {
	select {
	case <-c.frozen:
		return len(p), nil // into the void
	default:
		return c.Conn.Write(p)
	}
}

func (c *frozenConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func TestKeepaliveDetectsDeadPeer(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	f := newFreezer()
	cfg.Dial = f.dial
	cfg.KeepaliveInterval = 50 * time.Millisecond
	cfg.KeepaliveCountMax = 3
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo started; sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range outs[0].Stdout.Lines() {
		break // running
	}
	f.freeze()
	if err := outs[0].Wait(ctxT(t)); !errors.Is(err, pssh.ErrConnectionLost) {
		t.Fatalf("Wait = %v, want ErrConnectionLost", err)
	}
}

func TestKeepaliveKeepsLiveConnection(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	cfg.KeepaliveInterval = 50 * time.Millisecond
	cfg.KeepaliveCountMax = 10 // a loaded machine may take a while to answer
	c := newClient(t, fleet.Addrs(), cfg)
	// A command that outlives many keepalive intervals still ends normally.
	outs, err := c.Run(ctxT(t), "sleep 1; echo done", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "done" || outs[0].Err() != nil {
		t.Fatalf("%q, %v", got, outs[0].Err())
	}
	if fleet.Servers[0].Accepted() != 1 {
		t.Fatalf("%d connections", fleet.Servers[0].Accepted())
	}
}
