// Package memlimit holds a soft memory limit for the process (the one
// GOMEMLIMIT or debug.SetMemoryLimit sets) while a client's commands run,
// when the process has none of its own.
//
// Go's collector lets the heap grow to twice what was live at its last
// collection. A client streaming the output of a thousand hosts allocates
// every SSH packet afresh (x/crypto/ssh's), at the rate the output
// arrives, and a good part of those packets is still counted live when a
// collection ends (allocated while it marked): the heap then doubles a
// live set that is itself inflated, and the process holds about twice the
// memory the output path needs. A soft limit a little above that need
// makes the collector run before the heap doubles, for a few percent of
// CPU.
//
// A Limiter sets one only while it is held, only if the process has no
// limit (math.MaxInt64, the default: GOMEMLIMIT unset and no
// debug.SetMemoryLimit call), and puts "no limit" back once released. It
// never overrides a limit someone else set meanwhile: if the limit it
// finds is not the one it set, it puts that one back and leaves the
// process alone until released. The limit follows the heap: never below
// what is live plus a quarter, so that a program whose own memory grows
// during a run gets a busier collector, never one that runs without end.
package memlimit

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Floor of the limit, above the live heap and the goroutine stacks: a
// quarter of them, and at least floorMin.
const floorMin = 16 << 20

// followEvery is how often a held limit is checked against the live heap.
const followEvery = 250 * time.Millisecond

// Limiter holds a soft memory limit while it is held. Its methods are safe
// for concurrent use.
type Limiter struct {
	// allowance is what the holders may need, in bytes, beyond the memory
	// the process uses when the first of them holds the limiter.
	allowance int64

	mu      sync.Mutex
	holders int
	limit   int64         // what the holders need: the base plus the allowance
	set     int64         // the limit this Limiter set; 0 when it set none
	stop    chan struct{} // ends the following of the heap; closed with mu held
}

// New returns a Limiter whose limit is, when first held, the memory the
// process uses then plus allowance bytes.
func New(allowance int64) *Limiter { return &Limiter{allowance: allowance} }

// Hold holds the limit until the function it returns is called (once; later
// calls do nothing).
func (l *Limiter) Hold() (release func()) {
	l.mu.Lock()
	l.holders++
	if l.holders == 1 {
		l.start()
	}
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.holders--
			if l.holders == 0 {
				l.end()
			}
			l.mu.Unlock()
		})
	}
}

// Set returns the limit the Limiter has set now, 0 if none.
func (l *Limiter) Set() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.set
}

// start sets the limit if the process has none. l.mu is held.
func (l *Limiter) start() {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return // the process's own
	}
	m := read()
	l.limit = int64(m.used) + l.allowance
	want := max(l.limit, m.floor())
	if prev := debug.SetMemoryLimit(want); prev != math.MaxInt64 {
		debug.SetMemoryLimit(prev) // set meanwhile by someone else: theirs
		return
	}
	l.set = want
	l.stop = make(chan struct{})
	go l.follow(l.stop)
}

// end puts "no limit" back, unless someone else set one meanwhile. l.mu is
// held.
func (l *Limiter) end() {
	if l.stop == nil {
		return
	}
	close(l.stop)
	l.stop = nil
	if l.set == 0 {
		return
	}
	if prev := debug.SetMemoryLimit(math.MaxInt64); prev != l.set {
		debug.SetMemoryLimit(prev)
	}
	l.set = 0
}

// follow adjusts the limit every followEvery until stop is closed.
func (l *Limiter) follow(stop <-chan struct{}) {
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		l.adjust(stop)
	}
}

// adjust raises the limit while what is live needs more than it, and
// brings it back down to the holders' need after; nothing once stop is
// closed.
func (l *Limiter) adjust(stop <-chan struct{}) {
	floor := read().floor()
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-stop: // ended while reading
		return
	default:
	}
	want := max(l.limit, floor)
	if l.set == 0 || want == l.set {
		return
	}
	if prev := debug.SetMemoryLimit(want); prev != l.set {
		// Someone else set a limit: theirs, and the process is theirs
		// to manage until the holders are done.
		debug.SetMemoryLimit(prev)
		l.set = 0
		return
	}
	l.set = want
}

// usage is the process's memory as the runtime counts it.
type usage struct {
	used   uint64 // what counts against a memory limit
	live   uint64 // heap live at the last collection
	stacks uint64 // goroutine stacks
}

// floor is the least limit that leaves the collector room to work.
func (u usage) floor() int64 {
	inUse := int64(u.live + u.stacks)
	return inUse + max(inUse/4, floorMin)
}

var sampleNames = [...]string{
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/stacks:bytes",
}

// read reads the runtime's counts.
func read() usage {
	var s [len(sampleNames)]metrics.Sample
	for i, name := range sampleNames {
		s[i].Name = name
	}
	metrics.Read(s[:])
	v := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	return usage{used: v(0) - v(1), live: v(2), stacks: v(3)}
}
