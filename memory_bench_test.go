package pssh_test

import (
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"

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
