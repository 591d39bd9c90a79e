package pssh_test

// Benchmarks against one real OpenSSH sshd on loopback, listening on
// 127.0.0.1 to 127.0.0.10 (hosts are spread over them: one listen queue per
// address, as in a real fleet). See /work/shared/notes/anchors.md for the
// peers' numbers on this machine class. Run them alone, e.g.
//
//	go test -run XXX -bench . -benchtime 3x
//
// The client is this process; sshd is another one, so the CPU and memory
// metrics below are the client's alone:
//
//	ms/host      wall time per host of one iteration (read it against sshd's CPU: at
//	             N >= 100 the server, on the same two cores, bounds it)
//	cpu-ms/host  user+sys CPU of this process (getrusage RUSAGE_SELF) per host
//	allocs/host  heap allocations per host (runtime.MemStats.Mallocs)
//	B/host       bytes allocated per host (runtime.MemStats.TotalAlloc)

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

var benchSizes = []int{1, 10, 100, 500}

// benchSSHD starts one sshd on 127.0.0.1-10 for a benchmark, logging in as
// the /bin/sh test user (root's login shell may run heavy rc files), and
// returns the client config. It skips when sshd is missing: benchmarks are
// not part of CI's test run.
func benchSSHD(b *testing.B) (*opensshd.Server, *pssh.Config) {
	b.Helper()
	if _, err := opensshd.SSHDPath(); err != nil {
		b.Skip(err)
	}
	user, _ := opensshd.EnsureTestUser(b)
	ips := make([]string, 10)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	s, err := opensshd.Start(opensshd.Options{
		Addrs: ips,
		// MaxStartups, MaxSessions, UsePAM no and UseDNS no are opensshd's
		// defaults already; per-connection log lines are sshd CPU we do
		// not want to measure.
		ExtraConfig: []string{"LogLevel ERROR"},
	})
	if err != nil {
		b.Fatalf("starting sshd: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s, &pssh.Config{
		IgnoreSSHConfig: true,
		User:            user,
		KeyFile:         s.ClientKeyFile,
		NoAgent:         true,
		NoDefaultKeys:   true,
		KnownHostsFiles: []string{s.KnownHostsFile},
		ConnectTimeout:  60 * time.Second,
	}
}

// spread returns n host entries spread over addrs.
func spread(addrs []string, n int) []string {
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = addrs[i%len(addrs)]
	}
	return hosts
}

// meter measures the client's wall time, CPU and allocations over a
// benchmark's loop.
type meter struct {
	wall time.Time
	cpu  time.Duration
	mem  runtime.MemStats
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startMeter(b *testing.B) *meter {
	m := &meter{}
	runtime.ReadMemStats(&m.mem)
	m.cpu = processCPU(b)
	m.wall = time.Now()
	return m
}

// report stops the meter and reports its metrics per host.
func (m *meter) report(b *testing.B, hosts int) {
	wall := time.Since(m.wall)
	cpu := processCPU(b) - m.cpu
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	per := float64(b.N * hosts)
	b.ReportMetric(float64(wall.Microseconds())/1e3/per, "ms/host")
	b.ReportMetric(float64(cpu.Microseconds())/1e3/per, "cpu-ms/host")
	b.ReportMetric(float64(mem.Mallocs-m.mem.Mallocs)/per, "allocs/host")
	b.ReportMetric(float64(mem.TotalAlloc-m.mem.TotalAlloc)/per, "B/host")
}

// runTrue runs `true` on every host of c, waits for all, and fails unless
// every host exited 0.
func runTrue(tb testing.TB, ctx context.Context, c *pssh.Client) {
	tb.Helper()
	outs, err := c.Run(ctx, "true", nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Join(ctx, outs, &pssh.JoinOptions{ConsumeOutput: true}); err != nil {
		tb.Fatal(err)
	}
	for _, o := range outs {
		if code, ok := o.ExitCode(); !ok || code != 0 || o.Err() != nil {
			tb.Fatalf("%s: exit %d %v, err %v", o.Host, code, ok, o.Err())
		}
	}
}

// BenchmarkRun is "one command on N hosts" from scratch: each iteration
// makes a new client, so it connects (TCP, key exchange, host key check,
// public key authentication) to every host, runs `true`, waits, and closes.
func BenchmarkRun(b *testing.B) {
	s, cfg := benchSSHD(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			hosts := spread(s.Addrs, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			m := startMeter(b)
			for range b.N {
				c, err := pssh.New(hosts, cfg)
				if err != nil {
					b.Fatal(err)
				}
				runTrue(b, ctx, c)
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			m.report(b, n)
		})
	}
}

// BenchmarkRunReused is the per-command cost: one client whose connections
// are opened before the timer starts and kept across iterations; each
// iteration opens a session per host, runs `true` and waits.
func BenchmarkRunReused(b *testing.B) {
	s, cfg := benchSSHD(b)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			cfg := *cfg
			var dials int
			cfg.Dial = countingDial(&dials)
			c, err := pssh.New(spread(s.Addrs, n), &cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			runTrue(b, ctx, c) // connect
			b.ReportAllocs()
			b.ResetTimer()
			m := startMeter(b)
			for range b.N {
				runTrue(b, ctx, c)
			}
			b.StopTimer()
			m.report(b, n)
			if dials != n {
				b.Fatalf("%d connections opened for %d hosts: connections were not kept", dials, n)
			}
		})
	}
}
