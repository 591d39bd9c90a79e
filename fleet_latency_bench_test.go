package pssh_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// BenchmarkFleetLatency runs `true` on 1,000 and 10,000 hosts 100 ms away
// (the fleet of BenchmarkFleet10k, its servers given a 50 ms one-way
// delay), as the pssh command runs them: at most p commands at once, each
// further host starting as another finishes, each host's connection
// closed once it is done (Config.CloseConnections, Rollout.Running). It is
// what the default -p and PoolSize were chosen by. Run one host count at a
// time, alone, and the 10,000-host cases one by one (each holds the
// machine for a while):
//
//	go test -run XXX -bench 'FleetLatency/^hosts=1000$/' -benchtime 1x
//	go test -run XXX -bench 'FleetLatency/^hosts=10000$/^p=1024$' -benchtime 1x
//
// PSSH_BENCH_FLEET_PAR=32,128 (a comma-separated list) replaces the -p
// values measured (default 32, 128, 256, 512, 1024, 2048 and "default",
// the library's DefaultPoolSize).
//
//	wall-s       Run and Join of every host
//	cpu-ms/host  client CPU (user+sys of this process) per host
//	peak-rss-MiB peak resident memory of the client process, sampled every 20 ms
//	peak-fds     peak open file descriptors of the client process, sampled likewise
//
// The default -p and DefaultPoolSize, 1024, come from it. On the 2-core
// machine of the README (client and servers on the same cores), shared
// with other jobs (load average 5 to 12), each case in a process of its
// own, 2026-11-29:
//
//	hosts   -p            wall-s  cpu-ms/host  peak-rss-MiB  peak-fds
//	1000    32            26.45   3.73          47             45
//	1000    256            4.70   2.38          61            269
//	1000    2048 (1000)    2.50   2.25         109           1013
//	10000   256           49.57   2.24         310            269
//	10000   1024 default  26.77   1.58         365           1037
//	10000   2048          48.19   2.04         427           2061
//
// -p 32 waits on round trips (1,000 / 32 × 0.85 s at least); from 256 on,
// the shared machine's CPU set the pace. On an idle machine, where
// BenchmarkFleet10k ran 10,000 hosts in 8.7 s without delay (2026-11-24),
// -p 1024 is the smallest power of two whose round trips (10,000 / p ×
// 0.85 s) stay under that CPU time. The same machine gave the same code
// half that CPU on 2026-11-29: see the README's "Choosing -p".
func BenchmarkFleetLatency(b *testing.B) {
	const rtt = 100 * time.Millisecond
	key, err := sshtest.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pars := []int{32, 128, 256, 512, 1024, 2048, 0}
	if v := os.Getenv("PSSH_BENCH_FLEET_PAR"); v != "" {
		pars = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("PSSH_BENCH_FLEET_PAR: %v", err)
			}
			pars = append(pars, n)
		}
	}
	info := startFleetProcess(b, key, 0, rtt/2)
	for _, hosts := range []int{1000, 10_000} {
		for _, par := range pars {
			name := fmt.Sprintf("hosts=%d/p=%d", hosts, par)
			if par == 0 {
				name = fmt.Sprintf("hosts=%d/p=default", hosts)
			}
			b.Run(name, func(b *testing.B) {
				hostList, cfg := fleetClient(b, key, info, hosts)
				cfg.PoolSize = par
				cfg.CloseConnections = true
				for range b.N {
					fleetLatencyRun(b, hostList, cfg)
				}
			})
		}
	}
}

// fleetLatencyRun runs fleetCommand on hosts as the pssh command does, and
// reports its wall time, CPU, peak memory and peak open files.
func fleetLatencyRun(b *testing.B, hosts []string, cfg *pssh.Config) {
	c, err := pssh.New(hosts, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if l := c.FileLimit(); !l.Fits() {
		b.Fatalf("open file limit too low: %+v", l)
	}
	par := c.FileLimit().AtOnce // PoolSize as New settled it
	ctx := context.Background()
	stopSampling := make(chan struct{})
	peaks := make(chan peakUse, 1)
	go samplePeaks(stopSampling, peaks)
	start, cpu0 := time.Now(), processCPU(b)
	fleetRunAll(b, ctx, c, len(hosts), &pssh.Rollout{Running: par})
	wall, cpu := time.Since(start), processCPU(b)-cpu0
	close(stopSampling)
	p := <-peaks
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(len(hosts)), "cpu-ms/host")
	b.ReportMetric(float64(p.rss)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(p.fds), "peak-fds")
	b.ReportMetric(float64(par), "p")
	b.ReportMetric(0, "ns/op")
}
