package workpool

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	tests := []struct{ n, workers, wantMax int }{
		{0, 4, 0},
		{1, 4, 1},
		{10, 3, 3},
		{10, 0, 1}, // at least one worker
		{5, 100, 5},
	}
	for _, tt := range tests {
		var running, peak atomic.Int64
		var mu sync.Mutex
		seen := make([]int, tt.n)
		// Every call waits until workers calls are running (or all n have
		// started), so that the peak is reached whatever the scheduling.
		var started sync.WaitGroup
		started.Add(min(max(tt.workers, 1), tt.n))
		var once sync.Map
		Each(tt.n, tt.workers, func(i int) {
			r := running.Add(1)
			for {
				p := peak.Load()
				if r <= p || peak.CompareAndSwap(p, r) {
					break
				}
			}
			if _, dup := once.LoadOrStore(i, true); !dup && i < min(max(tt.workers, 1), tt.n) {
				started.Done()
				started.Wait()
			}
			mu.Lock()
			seen[i]++
			mu.Unlock()
			running.Add(-1)
		})
		for i, c := range seen {
			if c != 1 {
				t.Errorf("n=%d workers=%d: index %d called %d times", tt.n, tt.workers, i, c)
			}
		}
		if got := int(peak.Load()); got != tt.wantMax {
			t.Errorf("n=%d workers=%d: %d calls at once, want %d", tt.n, tt.workers, got, tt.wantMax)
		}
	}
}

func TestEachUntil(t *testing.T) {
	tests := []struct {
		name               string
		n, workers, stopAt int // stop once stopAt calls have returned; -1: never
		want               int
	}{
		{"never stops", 5, 2, -1, 5},
		{"stops at once", 5, 2, 0, 0},
		{"stops after two, one worker", 5, 1, 2, 2},
		{"stops after the last", 3, 1, 3, 3},
		{"nothing to do", 0, 3, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var returned atomic.Int64
			var mu sync.Mutex
			var called []int
			stop := func() bool { return tt.stopAt >= 0 && returned.Load() >= int64(tt.stopAt) }
			got := EachUntil(tt.n, tt.workers, stop, func(i int) {
				mu.Lock()
				called = append(called, i)
				mu.Unlock()
				returned.Add(1)
			})
			if got != tt.want {
				t.Errorf("handed out %d, want %d", got, tt.want)
			}
			if len(called) != got {
				t.Errorf("called %v, but reported %d handed out", called, got)
			}
			for _, i := range called {
				if i >= got {
					t.Errorf("index %d called, beyond the %d handed out", i, got)
				}
			}
		})
	}
}
