package pssh_test

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// BenchmarkStalledOutput runs a command printing size bytes of stdout, as
// fast as the client takes them, on many hosts (sshtest servers in a child
// process, so that this process is the client alone), and reads nothing
// until every host has finished: the reader is stalled for the whole run.
// Then it reads every host's stdout and checks that every byte arrived,
// in order.
// The memlimit=none cases run with the library's defaults, GOMEMLIMIT
// unset: the client sets its own soft memory limit while the commands run
// (Config.RunMemoryLimit). The memlimit=200MiB case runs under a soft
// memory limit of 200 MiB (debug.SetMemoryLimit, as GOMEMLIMIT=200MiB
// would set it), which the client leaves in place. The unbounded one runs
// without a client-wide bound (Config.OutputMemoryTotal -1, and so no
// RunMemoryLimit either), as before they existed. Run each case in a
// process of its own, with GOMEMLIMIT unset, so that the process's peak
// RSS is that case's:
//
//	go test -run XXX -bench 'StalledOutput/hosts=1000/MB=20/memlimit=none$' -benchtime 1x
//	go test -run XXX -bench 'StalledOutput/hosts=1000/MB=20/memlimit=200MiB$' -benchtime 1x
//	go test -run XXX -bench 'StalledOutput/hosts=1000/MB=20/unbounded$' -benchtime 1x
//	go test -run XXX -bench 'StalledOutput/hosts=200/MB=5/memlimit=none$' -benchtime 1x
//
// On 2 cores shared with other work (2026-11-29), peak RSS: 207 MiB for
// 1,000 hosts × 20 MB with the defaults (356–372 MiB before
// RunMemoryLimit), 207 MiB under the 200 MiB limit, 2,931 MiB unbounded;
// 102 MiB for 200 hosts × 5 MB (114 MiB before).
//
//	peak-rss-MiB   peak resident memory while the output sat unread,
//	               sampled every 20 ms (/proc/self/statm)
//	maxrss-MiB     the process's peak resident memory (getrusage, as
//	               VmHWM in /proc/self/status), the reading included
//	peak-heap-MiB  peak Go heap in use, sampled likewise
//	MB/s           output received per second of the stalled phase
func BenchmarkStalledOutput(b *testing.B) {
	for _, tc := range []struct {
		hosts     int
		size      int64
		memLimit  int64 // a soft memory limit for the run; 0 for none
		unbounded bool  // Config.OutputMemoryTotal -1: no client-wide bound
	}{
		{200, 5_000_000, 0, false},
		{1000, 20_000_000, 0, false},
		{1000, 20_000_000, 200 << 20, false},
		{1000, 20_000_000, 0, true},
	} {
		name := fmt.Sprintf("hosts=%d/MB=%d/memlimit=none", tc.hosts, tc.size/1e6)
		switch {
		case tc.memLimit > 0:
			name = fmt.Sprintf("hosts=%d/MB=%d/memlimit=%dMiB", tc.hosts, tc.size/1e6, tc.memLimit>>20)
		case tc.unbounded:
			name = fmt.Sprintf("hosts=%d/MB=%d/unbounded", tc.hosts, tc.size/1e6)
		}
		b.Run(name, func(b *testing.B) {
			key, err := sshtest.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			info := startFleetProcess(b, key, tc.size, 0)
			hosts, cfg := fleetClient(b, key, info, tc.hosts)
			cfg.SpillDir = b.TempDir()
			if tc.unbounded {
				cfg.OutputMemoryTotal = -1
			}
			if tc.memLimit > 0 {
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(tc.memLimit))
			}
			for range b.N {
				stalledOutput(b, hosts, cfg, tc.size)
			}
		})
	}
}

func stalledOutput(b *testing.B, hosts []string, cfg *pssh.Config, size int64) {
	c, err := pssh.New(hosts, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	stopSampling := make(chan struct{})
	peaks := make(chan peakUse, 1)
	go samplePeaks(stopSampling, peaks)
	start := time.Now()
	outs, err := c.Run(ctx, "stream", nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range outs {
		if err := o.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
	wall := time.Since(start)
	close(stopSampling)
	p := <-peaks
	for _, o := range outs {
		v := &patternChecker{pattern: fleetPattern}
		n, err := io.Copy(v, o.Stdout)
		if err != nil || n != size || v.err != nil {
			b.Fatalf("%s: read %d bytes (%v), want %d: %v", o.Host, n, err, size, v.err)
		}
		if code, ok := o.ExitCode(); !ok || code != 0 {
			b.Fatalf("%s: exit %d %t", o.Host, code, ok)
		}
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(p.rss)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
	b.ReportMetric(float64(p.heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(int64(len(hosts))*size)/wall.Seconds()/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}
