// Package workpool runs a function over a range of indices on a bounded
// number of goroutines: the one worker-pool loop of the library and the CLI.
package workpool

import (
	"sync"
	"sync/atomic"
)

// Each calls fn(i) for every i in [0, n), on at most workers goroutines at
// once (at least one), handing out indices in order: each goroutine takes
// the next index as soon as its call returns. Each returns once every call
// has returned.
func Each(n, workers int, fn func(i int)) {
	EachUntil(n, workers, nil, fn)
}

// EachUntil is Each, except that it asks stop (when not nil) before
// handing out each index, and hands out no more once stop returns true:
// the calls under way finish. It returns how many indices were handed out;
// fn was called for exactly those, [0, handed), and for none after.
func EachUntil(n, workers int, stop func() bool, fn func(i int)) (handed int) {
	var next atomic.Int64
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for {
				if stopped.Load() {
					return
				}
				if stop != nil && stop() {
					stopped.Store(true)
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	return min(int(next.Load()), n)
}
