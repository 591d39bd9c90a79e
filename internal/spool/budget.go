package spool

import "sync/atomic"

// Budget is memory shared by many Buffers (a client's every stream): a
// Buffer takes from it each time its memory grows and gives back what it
// frees, and where the Budget has nothing left, a Buffer spills to its file
// (or, in blocking mode, waits for its reader) instead of growing. A nil
// *Budget is no budget at all. A Budget is safe for concurrent use.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Limit returns the budget's size; 0 for a nil budget.
func (g *Budget) Limit() int64 {
	if g == nil {
		return 0
	}
	return g.limit
}

// Used returns the bytes the Buffers hold now. It can pass the limit by
// what blocking Buffers are always allowed (blockFloor each).
func (g *Budget) Used() int64 {
	if g == nil {
		return 0
	}
	return g.used.Load()
}

// tight tells whether more than half the budget is used.
func (g *Budget) tight() bool { return g.used.Load() > g.limit/2 }

// take reserves n bytes, or reports that they do not fit.
func (g *Budget) take(n int) bool {
	for {
		u := g.used.Load()
		if u+int64(n) > g.limit {
			return false
		}
		if g.used.CompareAndSwap(u, u+int64(n)) {
			return true
		}
	}
}

// force reserves n bytes whether they fit or not.
func (g *Budget) force(n int) { g.used.Add(int64(n)) }

// give returns n bytes.
func (g *Budget) give(n int) {
	if g != nil && n > 0 {
		g.used.Add(-int64(n))
	}
}
