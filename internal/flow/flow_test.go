package flow

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// A link is a connection from a host (server, the test writes to it) held
// back by a gate, read by a goroutine as an SSH transport would read it,
// which hands what it reads to a channel buffer (channel) that consumers
// read, as x/crypto/ssh's channels are.
type link struct {
	server  net.Conn
	conn    net.Conn // the gated client end
	channel *chanBuf
	read    atomic.Int64 // bytes the transport read from the gated conn
	done    chan struct{}
}

func newLink(t *testing.T, g *Gate) *link {
	t.Helper()
	client, server := net.Pipe()
	l := &link{server: server, conn: g.Conn(client), channel: &chanBuf{c: make(chan []byte, 4096)}, done: make(chan struct{})}
	t.Cleanup(func() { server.Close(); l.conn.Close() })
	go func() {
		defer close(l.done)
		defer close(l.channel.c)
		for {
			buf := make([]byte, 8<<10)
			n, err := l.conn.Read(buf)
			if n > 0 {
				l.read.Add(int64(n))
				l.channel.c <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return l
}

// send writes n bytes as the host, then closes its end.
func (l *link) send(n int) {
	go func() {
		l.server.Write(make([]byte, n))
		l.server.Close()
	}()
}

// chanBuf is a channel's receive buffer.
type chanBuf struct {
	c    chan []byte
	rest []byte
}

func (b *chanBuf) Read(p []byte) (int, error) {
	if len(b.rest) == 0 {
		v, ok := <-b.c
		if !ok {
			return 0, io.EOF
		}
		b.rest = v
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	return n, nil
}

// holds returns a channel that receives each time a connection is held
// back, for the length of the test.
func holds(t *testing.T) <-chan struct{} {
	c := make(chan struct{}, 1)
	onHold = func() {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { onHold = nil })
	return c
}

// waitFor fails the test if c does not receive soon: a hang detector.
func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: nothing after 20s", what)
	}
}

// TestGateHoldsBackPastShare checks that a connection whose consumer takes
// nothing stops being read once it owes its share, goes on as the consumer
// takes, and reads freely once no consumer is tracked.
func TestGateHoldsBackPastShare(t *testing.T) {
	held := holds(t)
	const share = 64 << 10
	g := NewBudget(share).NewGate(nil)
	untrack := g.Track()
	l := newLink(t, g)
	l.send(1 << 20)

	waitFor(t, held, "holding back")
	first := l.read.Load()
	if first < share || first > share+minRead {
		t.Fatalf("held back after reading %d bytes, want between the share (%d) and one read more", first, share)
	}
	r := g.Reader(l.channel)
	if _, err := io.ReadFull(r, make([]byte, 32<<10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, held, "holding back again")
	if second := l.read.Load(); second <= first || second > first+32<<10+minRead {
		t.Errorf("after the consumer took 32 KiB the connection read %d bytes in all, want more than %d and at most 32 KiB and a read more", second, first)
	}
	r.Close()
	untrack()
	waitFor(t, l.done, "reading the rest")
	if n := l.read.Load(); n != 1<<20 {
		t.Errorf("read %d bytes once untracked, want all %d", n, 1<<20)
	}
}

// TestGateForgetsDebtNobodyPays checks that a connection held back while
// its only reader waits for data that does not come (what was received
// was for another channel) is let go after stallWait.
func TestGateForgetsDebtNobodyPays(t *testing.T) {
	held := holds(t)
	defer func(d time.Duration) { stallWait = d }(stallWait)
	stallWait = 10 * time.Millisecond
	g := NewBudget(64 << 10).NewGate(nil)
	defer g.Track()()
	l := newLink(t, g)
	idle := &chanBuf{c: make(chan []byte)} // a channel on which nothing comes
	r := g.Reader(idle)
	go r.Read(make([]byte, 1024))
	defer close(idle.c)
	l.send(512 << 10)
	waitFor(t, held, "holding back")
	waitFor(t, l.done, "reading past the unpaid debt")
	if n := l.read.Load(); n != 512<<10 {
		t.Errorf("read %d bytes, want all %d", n, 512<<10)
	}
}

// TestGateCloseEndsHolding checks that closing a held-back connection
// ends its reading.
func TestGateCloseEndsHolding(t *testing.T) {
	held := holds(t)
	g := NewBudget(64 << 10).NewGate(nil)
	defer g.Track()()
	l := newLink(t, g)
	l.send(1 << 20)
	waitFor(t, held, "holding back")
	l.conn.Close()
	waitFor(t, l.done, "the reading ending")
}

func TestShare(t *testing.T) {
	b := NewBudget(1 << 20)
	if got := b.share(); got != 1<<20 {
		t.Errorf("share with no gate active = %d, want the whole budget", got)
	}
	var untrack []func()
	for range 4 {
		untrack = append(untrack, b.NewGate(nil).Track())
	}
	if got := b.share(); got != 256<<10 {
		t.Errorf("share of 4 active gates = %d, want %d", got, 256<<10)
	}
	for range 96 {
		untrack = append(untrack, b.NewGate(nil).Track())
	}
	if got := b.share(); got != MinShare {
		t.Errorf("share of 100 active gates = %d, want MinShare %d", got, MinShare)
	}
	for _, u := range untrack {
		u()
		u() // twice is once
	}
	if n := b.active.Load(); n != 0 {
		t.Errorf("%d gates active once all untracked", n)
	}
}

// readFromRecorder records the reader its ReadFrom was given.
type readFromRecorder struct {
	bytes.Buffer
	from io.Reader
}

func (w *readFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.from = r
	return w.Buffer.ReadFrom(r)
}

// TestWriter checks that io.Copy into a Writer, from a reader without
// WriteTo as a channel is, reads through a Reader, into
// the destination's own ReadFrom when it has one, and that the Reader is
// closed at the end.
func TestWriter(t *testing.T) {
	g := NewBudget(1 << 20).NewGate(nil)
	rec := &readFromRecorder{}
	if n, err := io.Copy(g.Writer(rec), struct{ io.Reader }{bytes.NewReader([]byte("hello"))}); n != 5 || err != nil || rec.String() != "hello" {
		t.Fatalf("io.Copy = %d, %v; wrote %q", n, err, rec.String())
	}
	if _, ok := rec.from.(*Reader); !ok {
		t.Errorf("ReadFrom was given a %T, want a *Reader", rec.from)
	}
	var plain bytes.Buffer
	if _, err := io.Copy(g.Writer(struct{ io.Writer }{&plain}), struct{ io.Reader }{bytes.NewReader([]byte("world"))}); err != nil || plain.String() != "world" {
		t.Fatalf("io.Copy into a plain writer: %v, wrote %q", err, plain.String())
	}
	if g.readers != 0 {
		t.Errorf("%d Readers open after the copies", g.readers)
	}
}

// TestGateExempt checks that a connection is not held back while it is
// exempt, and counts nothing meanwhile.
func TestGateExempt(t *testing.T) {
	var exempt atomic.Int32
	exempt.Add(1)
	g := NewBudget(64 << 10).NewGate(&exempt)
	defer g.Track()()
	l := newLink(t, g)
	l.send(1 << 20)
	waitFor(t, l.done, "reading everything")
	if n := l.read.Load(); n != 1<<20 {
		t.Errorf("read %d bytes, want all %d", n, 1<<20)
	}
	if g.debt != 0 {
		t.Errorf("debt %d run up while exempt, want 0", g.debt)
	}
}
