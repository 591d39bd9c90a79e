package pssh_test

import (
	"context"
	"fmt"
	"io"
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
// Then it reads every host's stdout and checks that every byte arrived.
// Run it alone, so that the process's peak RSS is this benchmark's:
//
//	go test -run XXX -bench 'StalledOutput/hosts=1000/' -benchtime 1x
//
//	peak-rss-MiB   peak resident memory while the output sat unread,
//	               sampled every 20 ms (/proc/self/statm)
//	maxrss-MiB     the process's peak resident memory (getrusage), the
//	               reading included
//	peak-heap-MiB  peak Go heap in use, sampled likewise
//	MB/s           output received per second of the stalled phase
func BenchmarkStalledOutput(b *testing.B) {
	for _, tc := range []struct {
		hosts int
		size  int64
	}{
		{200, 5_000_000},
		{1000, 20_000_000},
	} {
		b.Run(fmt.Sprintf("hosts=%d/MB=%d", tc.hosts, tc.size/1e6), func(b *testing.B) {
			key, err := sshtest.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			info := startFleetProcess(b, key, tc.size)
			hosts, cfg := fleetClient(b, key, info, tc.hosts)
			cfg.SpillDir = b.TempDir()
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
	peaks := make(chan [2]uint64, 1)
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
		n, err := io.Copy(io.Discard, o.Stdout)
		if err != nil || n != size {
			b.Fatalf("%s: read %d bytes (%v), want %d", o.Host, n, err, size)
		}
		if code, ok := o.ExitCode(); !ok || code != 0 {
			b.Fatalf("%s: exit %d %t", o.Host, code, ok)
		}
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(p[0])/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
	b.ReportMetric(float64(p[1])/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(int64(len(hosts))*size)/wall.Seconds()/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}
