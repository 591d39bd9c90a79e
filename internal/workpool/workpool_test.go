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
