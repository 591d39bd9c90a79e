package netdelay

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkProxyConcurrent measures what the proxy itself costs: conns
// clients at once each connect and make 8 one-byte round trips (an SSH
// login's worth) to an echo server, straight or through a Proxy (with no
// delay, and with 10 ms each way), the way bench/compare's latency mode
// puts a proxy before sshd. Run it alone:
//
//	go test -run XXX -bench ProxyConcurrent -benchtime 20x ./internal/netdelay
//
//	ms/op    wall time of the conns clients together
//	rtts/op  the same over the configured RTT (with a delay)
func BenchmarkProxyConcurrent(b *testing.B) {
	const trips = 8
	conns := 100
	if v, err := strconv.Atoi(os.Getenv("NETDELAY_BENCH_CONNS")); err == nil {
		conns = v
	}
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go echoAll(backend)
	defer backend.Close()
	for _, tc := range []struct {
		name  string
		proxy bool
		delay time.Duration
	}{
		{"direct", false, 0},
		{"proxy/delay=0", true, 0},
		{"proxy/delay=10ms", true, 10 * time.Millisecond},
	} {
		b.Run(fmt.Sprintf("conns=%d/%s", conns, tc.name), func(b *testing.B) {
			addr := backend.Addr().String()
			if tc.proxy {
				p, err := NewProxy("127.0.0.1:0", addr, Link{Delay: tc.delay})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				addr = p.Addr
			}
			start := time.Now()
			for range b.N {
				var wg sync.WaitGroup
				errs := make(chan error, conns)
				for range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs <- echoTrips(addr, trips)
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			wall := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(wall.Microseconds())/1e3, "ms/op")
			if tc.delay > 0 {
				b.ReportMetric(float64(wall)/float64(2*tc.delay), "rtts/op")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// echoAll echoes every connection accepted on ln until ln is closed.
func echoAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 512)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
	}
}

// echoTrips connects to addr and makes n one-byte round trips.
func echoTrips(addr string, n int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	b := []byte{0}
	for i := range n {
		b[0] = byte(i)
		if _, err := c.Write(b); err != nil {
			return err
		}
		if _, err := c.Read(b); err != nil {
			return err
		}
		if b[0] != byte(i) {
			return fmt.Errorf("echo %d came back as %d", i, b[0])
		}
	}
	return nil
}
