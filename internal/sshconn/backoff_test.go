package sshconn

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		base    time.Duration
		attempt int
		lo, hi  time.Duration // the wait lies in [lo, hi]
	}{
		{0, 1, 0, 0},
		{time.Second, 1, 500 * time.Millisecond, time.Second},
		{time.Second, 2, time.Second, 2 * time.Second},
		{time.Second, 3, 2 * time.Second, 4 * time.Second},
		{time.Second, 30, 30 * time.Second, time.Minute},
		{2 * time.Minute, 1, 30 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := Backoff(tt.base, tt.attempt)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("Backoff(%v, %d) = %v, want within [%v, %v]", tt.base, tt.attempt, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if tt.base > 0 && len(seen) < 2 {
			t.Errorf("Backoff(%v, %d): no jitter", tt.base, tt.attempt)
		}
	}
}
