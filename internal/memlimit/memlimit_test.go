package memlimit

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// noLimit skips a test when the process runs under a limit of its own
// (GOMEMLIMIT), and checks that it ends without one.
func noLimit(t *testing.T) {
	t.Helper()
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("the process has a memory limit of its own")
	}
	t.Cleanup(func() {
		if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
			t.Errorf("memory limit %d left after the test, want none", got)
		}
	})
}

func TestHoldSetsLimitUntilLastRelease(t *testing.T) {
	noLimit(t)
	const allowance = 64 << 20
	before := read().used
	l := New(allowance)
	r1 := l.Hold()
	got := debug.SetMemoryLimit(-1)
	if got == math.MaxInt64 || got != l.Set() {
		t.Fatalf("limit %d while held (Set %d), want the one the limiter set", got, l.Set())
	}
	if got < int64(before)+allowance {
		t.Errorf("limit %d, want at least what was used (%d) plus the allowance (%d)", got, before, allowance)
	}
	r2 := l.Hold()
	r1()
	r1() // a second call does nothing
	if now := debug.SetMemoryLimit(-1); now != got {
		t.Errorf("limit %d with one holder left, want %d", now, got)
	}
	r2()
	if now := debug.SetMemoryLimit(-1); now != math.MaxInt64 || l.Set() != 0 {
		t.Errorf("limit %d (Set %d) once released, want none", now, l.Set())
	}
	// Held again, it sets one again.
	r3 := l.Hold()
	if now := debug.SetMemoryLimit(-1); now == math.MaxInt64 {
		t.Error("no limit when held again")
	}
	r3()
}

func TestProcessLimitLeftAlone(t *testing.T) {
	noLimit(t)
	const own = 1 << 40
	debug.SetMemoryLimit(own)
	l := New(1 << 20)
	release := l.Hold()
	if got := debug.SetMemoryLimit(-1); got != own || l.Set() != 0 {
		t.Errorf("limit %d (Set %d) while held, want the process's own %d", got, l.Set(), own)
	}
	release()
	if got := debug.SetMemoryLimit(-1); got != own {
		t.Errorf("limit %d once released, want the process's own %d", got, own)
	}
	debug.SetMemoryLimit(math.MaxInt64)
}

func TestLimitSetMeanwhileWins(t *testing.T) {
	noLimit(t)
	const theirs = 1 << 40
	l := New(1 << 20)
	release := l.Hold()
	debug.SetMemoryLimit(theirs)
	release()
	if got := debug.SetMemoryLimit(-1); got != theirs {
		t.Errorf("limit %d once released, want the one set meanwhile, %d", got, theirs)
	}

	// And while following the heap.
	debug.SetMemoryLimit(math.MaxInt64)
	release = l.Hold()
	debug.SetMemoryLimit(theirs)
	l.mu.Lock()
	l.limit = l.set + 1 // so that adjust wants a change
	stop := l.stop
	l.mu.Unlock()
	l.adjust(stop)
	if got := debug.SetMemoryLimit(-1); got != theirs || l.Set() != 0 {
		t.Errorf("limit %d (Set %d) after adjusting, want the one set meanwhile, %d", got, l.Set(), theirs)
	}
	release()
	if got := debug.SetMemoryLimit(-1); got != theirs {
		t.Errorf("limit %d once released, want the one set meanwhile, %d", got, theirs)
	}
	debug.SetMemoryLimit(math.MaxInt64)
}

// TestLimitFollowsLiveHeap holds a limit with no allowance, then makes
// 64 MiB live: the limit rises above them, by a quarter at least, so that
// the collector is never left without room; once they are gone, it comes
// back down.
func TestLimitFollowsLiveHeap(t *testing.T) {
	noLimit(t)
	l := New(0)
	release := l.Hold()
	defer release()
	l.mu.Lock()
	stop := l.stop
	l.mu.Unlock()
	low := l.Set()

	live := make([]byte, 64<<20)
	runtime.GC()
	l.adjust(stop)
	u := read()
	high := l.Set()
	if want := int64(u.live+u.stacks) * 5 / 4; high < want || high < int64(len(live)) {
		t.Errorf("limit %d with %d bytes live and %d of stacks, want at least %d", high, u.live, u.stacks, want)
	}
	if got := debug.SetMemoryLimit(-1); got != high {
		t.Errorf("process limit %d, want %d", got, high)
	}
	runtime.KeepAlive(live)
	runtime.GC()
	l.adjust(stop)
	if got := l.Set(); got >= high || got > low+16<<20 {
		t.Errorf("limit %d once the 64 MiB are gone (%d before them, %d with them)", got, low, high)
	}
}
