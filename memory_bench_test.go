package pssh_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// BenchmarkUnreadOutput runs a command printing size bytes on 100 hosts (a
// real sshd), waits for all of them without reading, then reads everything. It
// reports the peak Go heap while the output sat unread: bounded by
// OutputMemoryLimit per stream, the rest spilled to disk.
//
//	go test -run XXX -bench UnreadOutput -benchtime 1x
func BenchmarkUnreadOutput(b *testing.B) {
	const hosts = 100
	for _, size := range []int{20 << 20, 100 << 20} {
		b.Run(fmt.Sprintf("hosts=%d/MiB=%d", hosts, size>>20), func(b *testing.B) {
			// A real sshd, so that the heap measured is the client's alone.
			ips := make([]string, 10)
			for i := range ips {
				ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
			}
			s, cfg := openSSH(b, opensshd.Options{Addrs: ips})
			cfg.SpillDir = b.TempDir()
			addrs := make([]string, hosts)
			for i := range addrs {
				addrs[i] = s.Addrs[i%len(s.Addrs)]
			}
			for i := 0; i < b.N; i++ {
				c, err := pssh.New(addrs, cfg)
				if err != nil {
					b.Fatal(err)
				}
				outs, err := c.Run(ctxT(b), fmt.Sprintf("head -c %d /dev/zero", size), nil)
				if err != nil {
					b.Fatal(err)
				}
				var peak uint64
				var ms runtime.MemStats
				for _, o := range outs {
					<-o.Done()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live := ms.HeapAlloc
				for _, o := range outs {
					n, err := io.Copy(io.Discard, o.Stdout)
					if err != nil || n != int64(size) {
						b.Fatalf("%s: read %d bytes, %v", o.Host, n, err)
					}
				}
				c.Close()
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(live)/(1<<20), "unread-live-heap-MiB")
				var ru syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
				b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
				b.ReportMetric(float64(hosts*size)/(1<<20), "output-MiB")
			}
		})
	}
}

// BenchmarkSlowReader runs a command printing size bytes on 100 hosts (a
// real sshd) while the caller reads every host's stdout to its end, all
// hosts at once but slower than they write: a shared throttle lets one read
// of up to 256 KiB through every millisecond (at most 256 MB/s in all). It checks every byte count, and reports the
// peak RSS and Go heap (sampled every 20 ms) of this process, which is the
// client alone. With spill (the default) output past OutputMemoryLimit goes
// to disk; with block (BlockOnFullBuffer) the SSH window holds the hosts
// back.
//
//	go test -run XXX -bench SlowReader -benchtime 1x
func BenchmarkSlowReader(b *testing.B) {
	const hosts = 100
	ips := make([]string, 10)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	s, base := openSSH(b, opensshd.Options{Addrs: ips, ExtraConfig: []string{"LogLevel ERROR"}})
	addrs := make([]string, hosts)
	for i := range addrs {
		addrs[i] = s.Addrs[i%len(s.Addrs)]
	}
	for _, size := range []int{20_000_000, 200_000_000} {
		for _, mode := range []string{"spill", "block"} {
			b.Run(fmt.Sprintf("hosts=%d/MB=%d/%s", hosts, size/1e6, mode), func(b *testing.B) {
				cfg := *base
				cfg.SpillDir = b.TempDir()
				cfg.BlockOnFullBuffer = mode == "block"
				for range b.N {
					slowRead(b, addrs, &cfg, size)
				}
			})
		}
	}
}

// The throttle: one read of at most slowReadChunk per slowReadPeriod, across
// all hosts.
const (
	slowReadChunk  = 256 << 10
	slowReadPeriod = time.Millisecond
)

func slowRead(b *testing.B, addrs []string, cfg *pssh.Config, size int) {
	c, err := pssh.New(addrs, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	stopSampling := make(chan struct{})
	peaks := make(chan peakUse, 1)
	go samplePeaks(stopSampling, peaks)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	outs, err := c.Run(ctx, fmt.Sprintf("head -c %d /dev/zero", size), nil)
	if err != nil {
		b.Fatal(err)
	}
	throttle := time.NewTicker(slowReadPeriod)
	defer throttle.Stop()
	errs := make(chan error, len(outs))
	for _, o := range outs {
		go func() {
			buf := make([]byte, slowReadChunk)
			var n int64
			for {
				<-throttle.C
				k, err := o.Stdout.Read(buf)
				n += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", o.Host, err)
					return
				}
			}
			if n != int64(size) {
				errs <- fmt.Errorf("%s: read %d bytes, want %d", o.Host, n, size)
				return
			}
			errs <- o.Wait(ctx)
		}()
	}
	for range outs {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	wall := time.Since(start)
	close(stopSampling)
	p := <-peaks
	b.ReportMetric(float64(p.rss)/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(p.heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(addrs)*size)/wall.Seconds()/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}

// peakUse is what samplePeaks saw at its highest.
type peakUse struct {
	rss  uint64 // resident memory (/proc/self/statm), bytes
	heap uint64 // Go heap in use, bytes
	fds  int    // open file descriptors (/proc/self/fd)
}

// samplePeaks samples the resident memory (/proc/self/statm), the Go heap
// in use and the open file descriptors every 20 ms until stop is closed,
// then sends their peaks. Sampling is cheap, lest it weigh on what it
// measures: the heap from runtime/metrics (runtime.ReadMemStats would stop
// the world every time), the descriptors from the size of /proc/self/fd
// (Linux 6.2 on; listing the directory makes the kernel build an entry for
// each of thousands of descriptors).
func samplePeaks(stop <-chan struct{}, peaks chan<- peakUse) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var p peakUse
	heap := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	for {
		if data, err := os.ReadFile("/proc/self/statm"); err == nil {
			if f := strings.Fields(string(data)); len(f) > 1 {
				pages, _ := strconv.ParseUint(f[1], 10, 64)
				p.rss = max(p.rss, pages*uint64(os.Getpagesize()))
			}
		}
		metrics.Read(heap)
		p.heap = max(p.heap, heap[0].Value.Uint64()+heap[1].Value.Uint64())
		p.fds = max(p.fds, openFiles())
		select {
		case <-stop:
			peaks <- p
			return
		case <-t.C:
		}
	}
}

// openFiles is how many file descriptors this process has open.
func openFiles() int {
	if fi, err := os.Stat("/proc/self/fd"); err == nil && fi.Size() > 0 {
		return int(fi.Size()) // Linux 6.2 on
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	return len(fds)
}
