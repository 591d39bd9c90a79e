// Package netdelay makes a loopback connection behave like a long one: a
// one-way delay, and optionally a bandwidth, applied to every byte in both
// directions, so that tests and benchmarks measure round trips. [Wrap]
// delays one connection; [Proxy] delays every connection to a real server
// (such as OpenSSH's sshd) and counts them.
//
// The TCP handshake itself is not delayed: a connection is established at
// loopback speed, and the first round trip counted is that of the first
// bytes.
package netdelay

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Link describes the path a connection's bytes take. The zero value adds
// nothing.
type Link struct {
	// Delay is the one-way delay: each byte reaches the other end this
	// long after it was written, in both directions, so that a round trip
	// takes twice Delay.
	Delay time.Duration
	// Bandwidth, if positive, is how many bytes a second each direction
	// carries: a write of n bytes occupies the link for n/Bandwidth
	// seconds after whatever was written before it, then travels Delay.
	Bandwidth int64
}

// Zero reports whether l adds nothing.
func (l Link) Zero() bool { return l.Delay <= 0 && l.Bandwidth <= 0 }

// Conn is a connection whose bytes are delayed both ways; see [Wrap].
type Conn struct {
	net.Conn
	in, out *queue

	readDL, writeDL deadline
	readMu          sync.Mutex // Read's

	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup

	mu   sync.Mutex
	werr error // the underlying connection's write error
}

// Wrap returns c with l applied: what the other end writes is read here
// l.Delay after it arrived, and what is written here is sent on to c
// l.Delay after it was written (Write queues it and returns at once; it
// waits only while 4 MiB are in flight). Order is kept in each direction.
// Closing the Conn closes c at once, dropping bytes still in flight; use
// CloseWrite to end the stream after them.
func Wrap(c net.Conn, l Link) *Conn {
	dc := &Conn{
		Conn:   c,
		in:     newQueue(l),
		out:    newQueue(l),
		closed: make(chan struct{}),
	}
	dc.wg.Add(2)
	go dc.receive()
	go dc.send()
	return dc
}

// receive reads c and queues what arrives, then its end. Its buffer
// starts small (most of a handshake's messages are) and grows while reads
// fill it.
func (c *Conn) receive() {
	defer c.wg.Done()
	buf := make([]byte, 4<<10)
	for {
		n, err := c.Conn.Read(buf)
		if n > 0 && !c.in.push(buf[:n], nil, c.closed) {
			return
		}
		if err != nil {
			c.in.push(nil, err, c.closed)
			return
		}
		if n == len(buf) && len(buf) < 64<<10 {
			buf = make([]byte, 2*len(buf))
		}
	}
}

// send writes to c what is due, the chunks due together in one write,
// and half-closes c at the end of the stream (CloseWrite).
func (c *Conn) send() {
	defer c.wg.Done()
	for {
		bufs, err := c.out.take(c.closed, net.ErrClosed, net.ErrClosed)
		if err != nil {
			if errors.Is(err, io.EOF) {
				if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
					cw.CloseWrite()
				}
			}
			return
		}
		nb := net.Buffers(bufs)
		if _, err := nb.WriteTo(c.Conn); err != nil {
			c.mu.Lock()
			c.werr = err
			c.mu.Unlock()
			return
		}
	}
}

// Read reads bytes whose delay has passed.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.readMu.Lock() // one popper at a time
	defer c.readMu.Unlock()
	return c.in.pop(p, c.readDL.wait(), os.ErrDeadlineExceeded, net.ErrClosed)
}

// Write queues p to be sent after the delay.
func (c *Conn) Write(p []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.mu.Lock()
	err := c.werr
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	stop := c.writeDL.wait()
	if !c.out.push(p, nil, stop) {
		select {
		case <-stop:
			return 0, os.ErrDeadlineExceeded
		default:
			return 0, net.ErrClosed
		}
	}
	return len(p), nil
}

// CloseWrite ends what is written here: after the bytes in flight, the
// other end reads EOF (if the underlying connection can half-close).
func (c *Conn) CloseWrite() error {
	if !c.out.push(nil, io.EOF, c.closed) {
		return net.ErrClosed
	}
	return nil
}

// Close closes the underlying connection at once and waits for the
// Conn's goroutines.
func (c *Conn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		close(c.closed)
		c.in.close()
		c.out.close()
		err = c.Conn.Close()
		c.readDL.set(time.Time{})
		c.writeDL.set(time.Time{})
	})
	c.wg.Wait()
	return err
}

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.readDL.set(t)
	c.writeDL.set(t)
	return nil
}

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.readDL.set(t)
	return nil
}

// SetWriteDeadline sets the write deadline: a Write waiting for room in
// a full link gives up then.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.writeDL.set(t)
	return nil
}

// deadline is a channel closed when a time passes.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
}

// set arms the deadline at t; the zero time disarms it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	if d.timer != nil && !d.timer.Stop() {
		// The timer fired: its channel is closed, or about to be.
		d.ch = make(chan struct{})
	}
	d.timer = nil
	select {
	case <-d.ch:
		d.ch = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	ch := d.ch
	dur := time.Until(t)
	if dur <= 0 {
		close(ch)
		return
	}
	d.timer = time.AfterFunc(dur, func() { close(ch) })
}

// wait returns the channel closed when the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}
