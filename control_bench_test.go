package pssh_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// BenchmarkControlMaster measures a control master at fleet scale, its
// servers those of BenchmarkFleet10k in a child process:
//
//   - hosts=1000/RTT=100ms/p=N: a second command through the master, each
//     of 1,000 hosts 100 ms away (a new Client attached to a master that
//     holds the connections, N hosts at a time; "default" is
//     DefaultPoolSize). Target: 4 RTT + 1 s.
//   - hosts=10000/idle: the master holding 10,000 idle connections, and
//     serving. Target: at most 64 KiB of resident memory per connection.
//
// Run each alone:
//
//	go test -run XXX -bench 'ControlMaster/^hosts=1000$/' -benchtime 5x
//	go test -run XXX -bench 'ControlMaster/^hosts=10000$/idle' -benchtime 1x
//
//	wall-s          (second) wall time of Run and Join of every host, attached
//	rtts            (second) the same in round trips of the servers' RTT
//	rss-KiB/conn    (idle) resident memory after connecting, with the master
//	                serving, minus before New, per connection (after
//	                returning freed memory to the OS)
//	heap-KiB/conn   (idle) the same in Go heap and stacks in use
//	goroutines/conn (idle) goroutines per connection
//
// 2026-11-29, the 2-core machine: second, p=default 0.60 s (5.97 RTT) at
// load average 9, p=32 6.57 s; before an attached Client shared one link
// to the master (one SSH handshake per host over the Unix socket) 2.4–3.4
// s at load 7 to 9, short of the target. Idle (load 18 to 41),
// 48.2 KiB RSS (48.0 KiB heap) and 6 goroutines per connection, within it.
func BenchmarkControlMaster(b *testing.B) {
	const rtt = 100 * time.Millisecond
	key, err := sshtest.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, par := range []int{32, 0} {
		name := fmt.Sprintf("hosts=1000/RTT=%v/p=%d", rtt, par)
		if par == 0 {
			name = fmt.Sprintf("hosts=1000/RTT=%v/p=default", rtt)
		}
		b.Run(name, func(b *testing.B) {
			info := startFleetProcess(b, key, 0, rtt/2)
			hosts, cfg := fleetClient(b, key, info, 1000)
			mcfg := *cfg
			mcfg.PoolSize = len(hosts)
			master := fleetMaster(b, hosts, &mcfg)
			path := serveControl(b, master)
			cfg.ControlPath = path
			cfg.PoolSize = par
			cfg.ControlWarning = func(err error) { b.Error(err) }
			var wall time.Duration
			b.ResetTimer()
			for range b.N {
				c, err := pssh.New(hosts, cfg)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				fleetRunAll(b, ctx, c, len(hosts), nil)
				wall += time.Since(start)
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
			b.ReportMetric(float64(wall)/float64(b.N)/float64(rtt), "rtts")
			b.ReportMetric(0, "ns/op")
		})
	}
	b.Run("hosts=10000/idle", func(b *testing.B) {
		info := startFleetProcess(b, key, 0, 0)
		hosts, cfg := fleetClient(b, key, info, fleetHosts)
		cfg.PoolSize = 1000
		for range b.N {
			heap0, rss0, gor0 := memInUse(), rss(), runtime.NumGoroutine()
			master := fleetMaster(b, hosts, cfg)
			serveControl(b, master)
			heap1, rss1, gor1 := memInUse(), rss(), runtime.NumGoroutine()
			b.ReportMetric(float64(rss1-rss0)/1024/fleetHosts, "rss-KiB/conn")
			b.ReportMetric(float64(heap1-heap0)/1024/fleetHosts, "heap-KiB/conn")
			b.ReportMetric(float64(gor1-gor0)/fleetHosts, "goroutines/conn")
			b.ReportMetric(0, "ns/op")
		}
	})
}

// fleetMaster returns a client that has run `true` on every host of
// hosts, keeping their connections, closed when the benchmark ends.
func fleetMaster(b *testing.B, hosts []string, cfg *pssh.Config) *pssh.Client {
	b.Helper()
	master, err := pssh.New(hosts, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { master.Close() })
	fleetRunAll(b, context.Background(), master, len(hosts), nil)
	return master
}

// fleetRunAll runs fleetCommand on every host of c (in rollout's batches,
// if not nil) and fails unless all n ran it cleanly.
func fleetRunAll(b *testing.B, ctx context.Context, c *pssh.Client, n int, rollout *pssh.Rollout) {
	b.Helper()
	outs, err := c.Run(ctx, fleetCommand, &pssh.RunOptions{ContinueOnErrors: true, Rollout: rollout})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Join(ctx, outs, &pssh.JoinOptions{ConsumeOutput: true}); err != nil {
		b.Fatal(err)
	}
	ok, first := 0, ""
	for _, o := range outs {
		if code, has := o.ExitCode(); has && code == 0 && o.Err() == nil {
			ok++
		} else if first == "" {
			first = fmt.Sprintf("%s: exit %d %t, %v", o.Host, code, has, o.Err())
		}
	}
	if len(outs) != n || ok != n {
		b.Fatalf("%d of %d hosts ran %q cleanly; the first that did not: %s", ok, n, fleetCommand, first)
	}
}

// serveControl makes master a control master on a socket of its own until
// the benchmark ends, and returns the socket's path once it listens.
func serveControl(b *testing.B, master *pssh.Client) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "ctl", "control")
	listening := make(chan struct{})
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- master.ServeControl(ctx, path, &pssh.ControlOptions{Logf: func(format string, _ ...any) {
			if strings.HasPrefix(format, "control master listening") {
				close(listening)
			}
		}})
	}()
	b.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			b.Error(err)
		}
	})
	select {
	case <-listening:
	case err := <-served:
		b.Fatalf("the master never listened: %v", err)
	}
	return path
}
