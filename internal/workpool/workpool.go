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
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
