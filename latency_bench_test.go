package pssh_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// BenchmarkRoundTrips counts the round trips of `true` on one host over a
// long path: an sshtest server with a one-way delay (Config.Delay), so that
// the wall time of an operation is its round trips times the RTT plus a
// local cost that the RTT dwarfs. It reports
//
//	rtts/op  wall time per operation divided by the RTT
//
// for a cold run (a new client: TCP, key exchange, authentication,
// session, exec) and for a second command on a kept connection (a session
// and an exec), and for a new Client attached to a control master that
// holds the connection. Run it alone:
//
//	go test -run XXX -bench RoundTrips -benchtime 5x
func BenchmarkRoundTrips(b *testing.B) {
	for _, rtt := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond} {
		srv := sshtest.Start(b, sshtest.Config{
			Delay:   rtt / 2,
			Handler: sshtest.Output(nil, nil, sshtest.Exit{}),
		})
		hosts := []string{srv.Addr}
		ctx := context.Background()
		b.Run(fmt.Sprintf("RTT=%v/cold", rtt), func(b *testing.B) {
			start := time.Now()
			for range b.N {
				c, err := pssh.New(hosts, srv.ClientConfig())
				if err != nil {
					b.Fatal(err)
				}
				runTrue(b, ctx, c)
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			reportRTTs(b, time.Since(start), rtt)
		})
		b.Run(fmt.Sprintf("RTT=%v/kept", rtt), func(b *testing.B) {
			c, err := pssh.New(hosts, srv.ClientConfig())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			runTrue(b, ctx, c) // connect
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				runTrue(b, ctx, c)
			}
			reportRTTs(b, time.Since(start), rtt)
		})
		b.Run(fmt.Sprintf("RTT=%v/master", rtt), func(b *testing.B) {
			// A new Client each iteration, attached to a control master
			// whose connection is made: what a second pssh invocation
			// costs.
			master, err := pssh.New(hosts, srv.ClientConfig())
			if err != nil {
				b.Fatal(err)
			}
			defer master.Close()
			runTrue(b, ctx, master) // connect
			path := serveControl(b, master)
			cfg := srv.ClientConfig()
			cfg.ControlPath = path
			cfg.ControlWarning = func(err error) { b.Fatal(err) }
			accepted := srv.Accepted()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				c, err := pssh.New(hosts, cfg)
				if err != nil {
					b.Fatal(err)
				}
				runTrue(b, ctx, c)
				c.Close()
			}
			reportRTTs(b, time.Since(start), rtt)
			if got := srv.Accepted() - accepted; got != 0 {
				b.Fatalf("%d TCP connections through the master, want none", got)
			}
		})
	}
}

// reportRTTs reports the wall time per operation in round trips.
func reportRTTs(b *testing.B, wall, rtt time.Duration) {
	b.ReportMetric(float64(wall)/float64(b.N)/float64(rtt), "rtts/op")
	b.ReportMetric(0, "ns/op")
}
