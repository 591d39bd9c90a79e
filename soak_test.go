package pssh_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/sshtest"
)

// TestSoak runs 50 commands in a row on 200 hosts with one client, dropping
// the connections of a random tenth of the servers between runs. Every run
// must succeed on every host, and afterwards the process must hold no more
// goroutines, file descriptors or heap than after the first run: whatever
// leaks per run or per reconnection shows up 50 or 1,000 times over.
func TestSoak(t *testing.T) {
	const hosts, runs = 200, 50
	if testing.Short() {
		t.Skip("soak test in -short mode")
	}
	fleet, cfg := testFleet(t, hosts, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 0))

	run := func(i int) {
		t.Helper()
		want := fmt.Sprintf("run %d", i)
		outs, err := c.Run(ctxT(t), "echo "+want, nil)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		for _, o := range outs {
			if got := joinLines(o.Stdout); got != want {
				t.Fatalf("run %d, %s: stdout %q, want %q (err %v)", i, o.Host, got, want, o.Err())
			}
			if code, ok := o.ExitCode(); !ok || code != 0 || o.Err() != nil {
				t.Fatalf("run %d, %s: exit %d %v, err %v", i, o.Host, code, ok, o.Err())
			}
		}
	}
	run(0)
	before := measure(t)
	dropped := 0
	for i := 1; i < runs; i++ {
		for _, s := range fleet.Servers {
			if rnd.IntN(10) == 0 {
				s.DropConnections()
				dropped++
			}
		}
		run(i)
	}
	// Dropped connections end asynchronously on both sides (both live in
	// this process): wait until the counts come back, or report how far
	// off they stayed.
	var after usage
	for deadline := time.Now().Add(20 * time.Second); ; {
		after = measure(t)
		if after.goroutines <= before.goroutines && after.fds <= before.fds || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling for goroutines to end
	}
	var accepted int64
	for _, s := range fleet.Servers {
		accepted += s.Accepted()
	}
	t.Logf("%d runs on %d hosts, %d connections dropped, %d accepted", runs, hosts, dropped, accepted)
	t.Logf("after the first run: %v", before)
	t.Logf("after the last run:  %v", after)
	if accepted != int64(hosts+dropped) {
		t.Errorf("%d connections accepted, want %d (one per host plus one per drop)", accepted, hosts+dropped)
	}
	if after.goroutines > before.goroutines {
		t.Errorf("goroutines grew from %d to %d", before.goroutines, after.goroutines)
	}
	if after.fds > before.fds {
		t.Errorf("file descriptors grew from %d to %d", before.fds, after.fds)
	}
	// Leaking 1 KiB per host and run would be 10 MB; allow for noise.
	if after.heap > before.heap+4<<20 {
		t.Errorf("live heap grew from %d to %d bytes", before.heap, after.heap)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

// usage is what a leak would make grow.
type usage struct {
	goroutines int
	fds        int
	heap       uint64 // live heap after a collection
	rss        string // VmRSS, reported only: the runtime keeps freed memory
}

func (u usage) String() string {
	return fmt.Sprintf("%d goroutines, %d fds, %.1f MiB live heap, RSS %s", u.goroutines, u.fds, float64(u.heap)/(1<<20), u.rss)
}

func measure(t testing.TB) usage {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	rss := "unknown"
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				rss = strings.TrimSpace(v)
			}
		}
	}
	return usage{runtime.NumGoroutine(), len(fds), ms.HeapAlloc, rss}
}
