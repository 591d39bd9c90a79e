package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// slowConn delivers at most 4 KiB per tick of its ticker: a slow link.
type slowConn struct {
	net.Conn
	tick      *time.Ticker
	closed    chan struct{}
	closeOnce sync.Once
}

func (c *slowConn) Read(p []byte) (int, error) {
	select {
	case <-c.tick.C:
	case <-c.closed:
	}
	return c.Conn.Read(p[:min(len(p), 4<<10)])
}

func (c *slowConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed); c.tick.Stop() })
	return c.Conn.Close()
}

// TestKeepaliveSlowLink checks that a connection still delivering output
// is not dropped because the replies to its keepalive requests wait behind
// that output: on a link of about 800 KB/s, a command printing 1.5 MB
// keeps the reply to a keepalive about two seconds behind, far past 3
// intervals of 20 ms; as OpenSSH, an interval in which anything arrived is
// not missed. (Before, the connection was dropped: "connection lost".)
func TestKeepaliveSlowLink(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &slowConn{Conn: c, tick: time.NewTicker(5 * time.Millisecond), closed: make(chan struct{})}, nil
	}
	cfg.KeepaliveInterval = 20 * time.Millisecond
	cfg.KeepaliveCountMax = 3
	c := newClient(t, fleet.Addrs(), cfg)
	const size = 1_500_000
	outs, err := c.Run(ctxT(t), fmt.Sprintf("head -c %d /dev/zero", size), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, outs[0].Stdout)
	if err != nil || n != size {
		t.Errorf("read %d bytes (%v), want %d", n, err, size)
	}
	if err := outs[0].Wait(ctxT(t)); err != nil {
		t.Fatalf("Wait = %v, want the command's success", err)
	}
}
