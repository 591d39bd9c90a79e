// Package flow holds back the reading of an SSH connection while the
// command output it carries is not taken as fast as it arrives.
//
// x/crypto/ssh gives every channel a fixed 2 MiB receive window and keeps
// what arrives in memory until the channel is read. When the goroutines that
// take a client's command output lag behind its connections (a thousand
// hosts streaming into one process on a few cores), that memory fills up
// to the window, host after host: 2 MiB each, whether the output then goes
// to memory or to a spill file. A Gate sits under the SSH transport, on the
// connection's net.Conn: while the bytes received on it and not yet taken
// by the output's consumers (its debt) are past the connection's share of a
// client-wide Budget, it stops reading from the socket, so that what the
// host sends next waits in the kernel's socket buffer and TCP flow control
// holds the host back.
//
// A Gate counts while a consumer is tracked (Track: from before a session
// asks for its output to the session's end); the consumers read their
// channels through Readers, which pay the debt back. The bytes received
// are counted at the socket, SSH framing and other messages included, and
// a Reader pays a little more than it took, for the framing. A debt that no
// Reader will pay (another channel's data, a miscount) is forgotten when no
// consumer is tracked any more, or when the connection has waited stallWait
// with every Reader waiting for its channel: a connection is then let go
// past its share, never stuck.
package flow

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Sizes of the accounting.
const (
	// MinShare is the least debt a connection may run up, however many
	// connections share the budget: a full SSH data packet as sent (32 KiB
	// of data and its framing), so that a connection held back always has
	// its packet whole, which its consumers can take.
	MinShare = 36 << 10
	// minRead is the least a held-back connection reads at a time, so that
	// reads stay few.
	minRead = 4 << 10
	// packetPayload and packetFraming are the largest data payload of an
	// SSH packet (x/crypto/ssh's) and more than the framing that comes
	// with each (length, padding, MAC, channel message header).
	packetPayload = 32 << 10
	packetFraming = 64
)

// stallWait is how long a held-back connection waits, while its Readers
// wait for their channels and take nothing, before it forgets its debt.
// A variable for the tests.
var stallWait = 5 * time.Second

// onHold, if set (by the tests), is called each time a connection is held
// back.
var onHold func()

// Budget is the debt all the Gates of a client may run up together: each
// Gate with a consumer tracked gets an equal share of it, and at least
// MinShare. A Budget is safe for concurrent use.
type Budget struct {
	total  int64
	active atomic.Int64 // Gates tracking a consumer
}

// NewBudget returns a budget of total bytes.
func NewBudget(total int64) *Budget { return &Budget{total: total} }

// share is what one active Gate may owe.
func (b *Budget) share() int64 {
	return max(MinShare, b.total/max(1, b.active.Load()))
}

// Gate is the accounting of one connection. Its methods are safe for
// concurrent use.
type Gate struct {
	budget *Budget
	exempt *atomic.Int32

	mu       sync.Mutex
	tracked  int           // consumers tracked (see Track)
	readers  int           // Readers open
	waiting  int           // Readers inside a read of their channel
	debt     int64         // bytes received while a consumer was tracked, less what Readers took since
	progress chan struct{} // signalled when a Reader takes something

	closed    chan struct{} // closed by the connection's Close
	closeOnce sync.Once
}

// NewGate returns the Gate of one connection, sharing b. While exempt, if
// not nil, is above zero, the connection is never held back: other users
// of it (file copies, port forwards) read their channels without Readers,
// and what they receive would be a debt no Reader pays.
func (b *Budget) NewGate(exempt *atomic.Int32) *Gate {
	return &Gate{budget: b, exempt: exempt, progress: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Track starts counting what the connection receives for one more
// consumer (a session whose output will be read through Writer), from
// before it asks for its output, so that what the host sends first counts
// too. The function it returns stops it; once no consumer is tracked, the
// debt is forgotten and the connection reads freely.
func (g *Gate) Track() (untrack func()) {
	g.mu.Lock()
	g.tracked++
	if g.tracked == 1 {
		g.budget.active.Add(1)
	}
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.tracked--
			if g.tracked == 0 {
				g.debt = 0
				g.budget.active.Add(-1)
			}
			g.mu.Unlock()
			g.signal()
		})
	}
}

// Conn returns c with its reads held back by the gate. Only the SSH
// transport reads it (one goroutine).
func (g *Gate) Conn(c net.Conn) net.Conn { return &conn{Conn: c, g: g} }

type conn struct {
	net.Conn
	g     *Gate
	timer *time.Timer
}

func (c *conn) Read(p []byte) (int, error) {
	if room := c.wait(); room < int64(len(p)) {
		p = p[:max(room, minRead)]
	}
	n, err := c.Conn.Read(p)
	c.g.received(n)
	return n, err
}

func (c *conn) Close() error {
	c.g.closeOnce.Do(func() { close(c.g.closed) })
	return c.Conn.Close()
}

// wait waits while the connection owes its share, and returns how much it
// may read now.
func (c *conn) wait() int64 {
	g := c.g
	for {
		share := g.budget.share()
		g.mu.Lock()
		tracked, debt := g.tracked > 0, g.debt
		g.mu.Unlock()
		if !tracked || g.exempt != nil && g.exempt.Load() > 0 {
			return 1 << 62
		}
		if debt < share {
			return share - debt
		}
		if onHold != nil {
			onHold()
		}
		if c.timer == nil {
			c.timer = time.NewTimer(stallWait)
		} else {
			c.timer.Reset(stallWait)
		}
		select {
		case <-g.progress:
			c.timer.Stop()
		case <-g.closed:
			c.timer.Stop()
			return minRead
		case <-c.timer.C:
			// Nothing taken for a long time, and every Reader waits
			// for its channel: what is owed is not there to take.
			g.mu.Lock()
			if g.waiting == g.readers {
				g.debt = 0
			}
			g.mu.Unlock()
		}
	}
}

// received counts n bytes read from the socket.
func (g *Gate) received(n int) {
	g.mu.Lock()
	if g.tracked > 0 && (g.exempt == nil || g.exempt.Load() == 0) {
		g.debt += int64(n)
	}
	g.mu.Unlock()
}

// signal wakes the connection's reading if it waits.
func (g *Gate) signal() {
	select {
	case g.progress <- struct{}{}:
	default:
	}
}

// Reader counts what a consumer takes from one channel of the connection.
// It is for one goroutine.
type Reader struct {
	g *Gate
	r io.Reader
}

// Reader returns r, a channel (or one stream of it) of the gate's
// connection, counting what is read from it. Close it when done.
func (g *Gate) Reader(r io.Reader) *Reader {
	g.mu.Lock()
	g.readers++
	g.mu.Unlock()
	return &Reader{g: g, r: r}
}

func (r *Reader) Read(p []byte) (int, error) {
	g := r.g
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	n, err := r.r.Read(p)
	g.mu.Lock()
	g.waiting--
	if n > 0 {
		g.debt = max(0, g.debt-int64(n)-packetFraming*int64(n/packetPayload+1))
	}
	g.mu.Unlock()
	if n > 0 {
		g.signal()
	}
	return n, err
}

// Close marks the end of the reading.
func (r *Reader) Close() {
	r.g.mu.Lock()
	r.g.readers--
	r.g.mu.Unlock()
}

// Writer returns w as the destination of an io.Copy from a channel of the
// gate's connection (an ssh.Session's Stdout or Stderr): io.Copy then reads
// the channel through a Reader, and into w's own ReadFrom if it has one.
func (g *Gate) Writer(w io.Writer) io.Writer { return &writer{w: w, g: g} }

type writer struct {
	w io.Writer
	g *Gate
}

func (w *writer) Write(p []byte) (int, error) { return w.w.Write(p) }

func (w *writer) ReadFrom(r io.Reader) (int64, error) {
	gr := w.g.Reader(r)
	defer gr.Close()
	if rf, ok := w.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(gr)
	}
	return io.Copy(struct{ io.Writer }{w.w}, gr)
}
