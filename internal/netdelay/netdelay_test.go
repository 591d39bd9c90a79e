package netdelay

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"testing"
	"time"
)

// listen starts a loopback listener closed when the test ends.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// echoServer accepts connections on ln and echoes them, each wrapped with
// l (none if l is zero); it ends when ln is closed.
func echoServer(t *testing.T, ln net.Listener, l Link) {
	t.Helper()
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				var conn net.Conn = c
				if !l.Zero() {
					conn = Wrap(c, l)
				}
				defer conn.Close()
				io.Copy(conn, conn)
			}()
		}
	}()
}

// roundTrips writes a byte and reads it back n times, returning each
// round trip's duration.
func roundTrips(t *testing.T, c net.Conn, n int) []time.Duration {
	t.Helper()
	var rtts []time.Duration
	b := []byte{0}
	for i := range n {
		b[0] = byte(i)
		start := time.Now()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
		if b[0] != byte(i) {
			t.Fatalf("echo %d came back as %d", i, b[0])
		}
	}
	return rtts
}

// checkRTTs fails the test unless every round trip took at least want and
// less than want plus a generous allowance for a loaded machine.
func checkRTTs(t *testing.T, rtts []time.Duration, want time.Duration) {
	t.Helper()
	for i, d := range rtts {
		if d < want || d > want+time.Second {
			t.Errorf("round trip %d took %v, want %v (at most 1s more)", i, d, want)
		}
	}
	t.Logf("round trips %v for a configured %v", rtts, want)
}

func TestWrapRoundTrip(t *testing.T) {
	for _, delay := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			ln := listen(t)
			echoServer(t, ln, Link{Delay: delay})
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			checkRTTs(t, roundTrips(t, c, 3), 2*delay)
		})
	}
}

func TestWrapKeepsOrder(t *testing.T) {
	ln := listen(t)
	echoServer(t, ln, Link{Delay: 5 * time.Millisecond})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Many writes of varied sizes, more in all than the link holds, read
	// back concurrently: every byte back, in order.
	var want bytes.Buffer
	for i := range 3000 {
		want.Write(bytes.Repeat([]byte{byte(i)}, 1+i%4000))
	}
	errc := make(chan error, 1)
	go func() {
		var err error
		for p := want.Bytes(); len(p) > 0 && err == nil; {
			n := min(len(p), 1+len(p)%5000)
			_, err = c.Write(p[:n])
			p = p[n:]
		}
		errc <- err
	}()
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("bytes came back changed or out of order")
	}
}

func TestWrapBandwidth(t *testing.T) {
	ln := listen(t)
	const bw = 1 << 20 // 1 MiB/s
	echoServer(t, ln, Link{Bandwidth: bw})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 200<<10) // 200 KiB: ~195 ms each way through the link
	start := time.Now()
	go c.Write(data)
	if _, err := io.ReadFull(c, make([]byte, len(data))); err != nil {
		t.Fatal(err)
	}
	// In and out overlap; the two directions together take at least one
	// serialisation time.
	if d, want := time.Since(start), 190*time.Millisecond; d < want || d > want+2*time.Second {
		t.Errorf("200 KiB at 1 MiB/s echoed in %v, want at least %v", d, want)
	}
}

func TestWrapReadDeadlineAndClose(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := Wrap(a, Link{Delay: time.Millisecond})
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	c.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		errc <- err
	}()
	c.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read on a closed conn: %v, want net.ErrClosed", err)
	}
}

func TestProxy(t *testing.T) {
	backend := listen(t)
	echoServer(t, backend, Link{})
	const delay = 30 * time.Millisecond
	p, err := NewProxy("127.0.0.1:0", backend.Addr().String(), Link{Delay: delay})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 2 {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		checkRTTs(t, roundTrips(t, c, 2), 2*delay)
		// Half-close: the echo server sees EOF and closes; we read EOF.
		c.(*net.TCPConn).CloseWrite()
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after half-close: read %d, %v; want EOF", n, err)
		}
		c.Close()
		if got := p.Accepted(); got != int64(i+1) {
			t.Errorf("proxy accepted %d connections, want %d", got, i+1)
		}
	}
}

func TestProxySetLink(t *testing.T) {
	backend := listen(t)
	echoServer(t, backend, Link{})
	p, err := NewProxy("127.0.0.1:0", backend.Addr().String(), Link{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	before, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	roundTrips(t, before, 1) // accepted under the old link
	const delay = 100 * time.Millisecond
	p.SetLink(Link{Delay: delay})
	after, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	checkRTTs(t, roundTrips(t, after, 2), 2*delay)
	for _, d := range roundTrips(t, before, 2) {
		if d >= 2*delay {
			t.Errorf("a connection accepted before SetLink took %v a round trip, want it undelayed", d)
		}
	}
}

func TestProxyRefusesNonLoopback(t *testing.T) {
	if _, err := NewProxy("0.0.0.0:0", "127.0.0.1:1", Link{}); err == nil {
		t.Fatal("proxy listening on all interfaces, want refusal")
	}
}

// TestQueueHandsOverDueChunksTogether: what is due comes out in one pop
// (one read, one write on the wire), in order, and the end of the stream
// only after the bytes before it.
func TestQueueHandsOverDueChunksTogether(t *testing.T) {
	stop := make(chan struct{})
	errStop, errClosed := errors.New("stopped"), errors.New("closed")
	fill := func() *queue {
		q := newQueue(Link{})
		for _, s := range []string{"ab", "cde", "f"} {
			if !q.push([]byte(s), nil, stop) {
				t.Fatal("push refused")
			}
		}
		q.push(nil, io.EOF, stop)
		return q
	}

	q := fill()
	p := make([]byte, 4)
	var got []string
	for {
		n, err := q.pop(p, stop, errStop, errClosed)
		if err != nil {
			if err != io.EOF {
				t.Fatalf("pop: %v", err)
			}
			break
		}
		got = append(got, string(p[:n]))
	}
	if want := []string{"abcd", "ef"}; !slices.Equal(got, want) {
		t.Errorf("pop with room for 4 gave %q, want %q", got, want)
	}

	q = fill()
	bufs, err := q.take(stop, errStop, errClosed)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, b := range bufs {
		parts = append(parts, string(b))
	}
	if want := []string{"ab", "cde", "f"}; !slices.Equal(parts, want) {
		t.Errorf("take gave %q, want %q", parts, want)
	}
	if _, err := q.take(stop, errStop, errClosed); err != io.EOF {
		t.Errorf("take after the bytes: %v, want EOF", err)
	}
	close(stop)
	if _, err := newQueue(Link{}).take(stop, errStop, errClosed); err != errStop {
		t.Errorf("take on an empty queue, stopped: %v, want %v", err, errStop)
	}
}
