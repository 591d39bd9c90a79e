package main

import (
	"slices"
	"time"
)

// median returns the median of v (the mean of the two middle values for
// an even count), or 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

// summary is a tool's result on one piece of work: medians over the runs
// that succeeded.
type summary struct {
	runs, ok int
	wall     time.Duration
	cpu      time.Duration
	maxRSS   int64 // bytes
	treeRSS  int64 // bytes
	firstErr error // of the first failed run
}

// summarize takes the medians of the successful samples.
func summarize(samples []sample) summary {
	s := summary{runs: len(samples)}
	var wall, cpu, rss, tree []float64
	for _, x := range samples {
		if x.err != nil {
			if s.firstErr == nil {
				s.firstErr = x.err
			}
			continue
		}
		s.ok++
		wall = append(wall, float64(x.wall))
		cpu = append(cpu, float64(x.cpu))
		rss = append(rss, float64(x.maxRSS))
		tree = append(tree, float64(x.treeRSS))
	}
	s.wall = time.Duration(median(wall))
	s.cpu = time.Duration(median(cpu))
	s.maxRSS = int64(median(rss))
	s.treeRSS = int64(median(tree))
	return s
}
