package main

import (
	"errors"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 1}, 5},
	} {
		in := append([]float64(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("median reordered its input: %v", tc.in)
			}
		}
	}
}

func TestSummarize(t *testing.T) {
	failed := errors.New("1 of 2 hosts succeeded")
	s := summarize([]sample{
		{wall: 3 * time.Second, cpu: 30 * time.Millisecond, maxRSS: 3e6},
		{err: failed},
		{wall: 1 * time.Second, cpu: 10 * time.Millisecond, maxRSS: 1e6},
		{wall: 2 * time.Second, cpu: 50 * time.Millisecond, maxRSS: 2e6},
	})
	if s.runs != 4 || s.ok != 3 {
		t.Errorf("runs, ok = %d, %d; want 4, 3", s.runs, s.ok)
	}
	if s.wall != 2*time.Second || s.cpu != 30*time.Millisecond || s.maxRSS != 2e6 {
		t.Errorf("medians = %v, %v, %d; want 2s, 30ms, 2000000", s.wall, s.cpu, s.maxRSS)
	}
	if s.firstErr != failed {
		t.Errorf("firstErr = %v", s.firstErr)
	}
	if s := summarize([]sample{{err: failed}}); s.ok != 0 || s.wall != 0 {
		t.Errorf("all failed: %+v", s)
	}
}
