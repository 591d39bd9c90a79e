// Package spool holds one stream of a remote command's output between the
// goroutine that receives it and the caller who reads it, whenever that is.
//
// A Buffer keeps up to a limit of unread bytes in memory, and no more than
// a Budget shared with other Buffers allows. Past either it spills further
// bytes to an unlinked temporary file (the default), or, in blocking mode,
// makes the writer wait until the reader catches up, which holds the remote
// writer back through the SSH flow-control window.
package spool

import (
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
)

// ErrTimeout is returned by ReadTimeout when no data arrived in time.
var ErrTimeout = errors.New("no data before the read timeout")

// ErrReaderClosed is returned to a blocked writer once the reader has
// discarded the buffer.
var ErrReaderClosed = errors.New("reader closed the buffer")

// Options configure a Buffer.
type Options struct {
	Limit int    // bytes kept in memory before spilling or blocking; <= 0 means 1 MiB
	Dir   string // directory for spill files; "" means os.TempDir()
	Block bool   // block the writer at the limit instead of spilling
	// Budget, if not nil, is memory shared with other Buffers: memory
	// grows only as far as it allows (a blocking Buffer may always hold
	// blockFloor bytes, so that its writer is never stuck for good).
	Budget *Budget
}

// Memory sizes: what a drained Buffer keeps for the next bytes when its
// Budget is half used (more is given back), and what a blocking Buffer may
// hold whatever its Budget says.
const (
	keepCap    = 64 << 10
	blockFloor = 32 << 10
)

// Buffer is a FIFO byte buffer for one writer and one reader.
type Buffer struct {
	opt  Options
	held *holding // memory taken from opt.Budget; nil without one

	mu     sync.Mutex
	mem    []byte // unread bytes are mem[r:]
	r      int
	f      *os.File // spill file, nil when not spilling
	fr, fw int64    // read and write offsets in f
	// ahead[ar:] are bytes read from f ahead of small reads (they precede
	// f's bytes at fr): one pread serves many of a line reader's small
	// reads. Allocated while spilling only.
	ahead   []byte
	ar      int
	done    bool  // writer finished
	err     error // writer's final error, nil for a clean end
	discard bool  // reader went away: drop further writes
	filling bool  // ReadFrom is reading into the free space after mem
	total   int64 // bytes written in all

	readable chan struct{} // signalled when data or the end arrives
	writable chan struct{} // signalled when the reader makes room (Block mode)
}

// New returns an empty Buffer.
func New(opt Options) *Buffer {
	if opt.Limit <= 0 {
		opt.Limit = 1 << 20
	}
	b := &Buffer{
		opt:      opt,
		readable: make(chan struct{}, 1),
		writable: make(chan struct{}, 1),
	}
	if opt.Budget != nil {
		// A Buffer dropped unread gives its memory back when collected.
		b.held = &holding{budget: opt.Budget}
		runtime.AddCleanup(b, (*holding).giveBack, b.held)
	}
	return b
}

// holding is the memory a Buffer took from its Budget, apart from the
// Buffer so that it can be given back once the Buffer is collected.
type holding struct {
	budget *Budget
	n      int
}

func (h *holding) giveBack() {
	h.budget.give(h.n)
	h.n = 0
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Write appends p. It never blocks unless the buffer is in blocking mode and
// the limit is reached.
func (b *Buffer) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		b.mu.Lock()
		if b.discard {
			b.total += int64(len(p))
			b.mu.Unlock()
			return n + len(p), nil
		}
		if b.done {
			b.mu.Unlock()
			return n, io.ErrClosedPipe
		}
		room := 0
		if b.f == nil {
			room = b.space(len(p))
		}
		if room == len(p) {
			b.mem = append(b.mem, p...)
			b.total += int64(len(p))
			b.mu.Unlock()
			signal(b.readable)
			return n + len(p), nil
		}
		if b.opt.Block {
			if room > 0 {
				b.mem = append(b.mem, p[:room]...)
				b.total += int64(room)
				n += room
				p = p[room:]
				signal(b.readable)
			}
			b.mu.Unlock()
			if len(p) > 0 {
				<-b.writable
			}
			continue
		}
		if b.f == nil {
			f, err := os.CreateTemp(b.opt.Dir, "pssh-spill-*")
			if err != nil {
				b.mu.Unlock()
				return n, err
			}
			os.Remove(f.Name()) // the open descriptor keeps the data; nothing is left behind
			b.f = f
		}
		w, err := b.f.WriteAt(p, b.fw)
		b.fw += int64(w)
		b.total += int64(w)
		b.mu.Unlock()
		signal(b.readable)
		return n + w, err
	}
	return n, nil
}

// space makes room at the end of the in-memory part for up to want more
// bytes, within the limit and the budget, compacting consumed space first
// and growing by doubling, and returns how many fit. b.mu is held.
func (b *Buffer) space(want int) int {
	want = min(want, b.opt.Limit-(len(b.mem)-b.r))
	if want <= 0 {
		return 0
	}
	if cap(b.mem)-len(b.mem) >= want {
		return want
	}
	b.compact()
	if cap(b.mem)-len(b.mem) >= want {
		return want
	}
	need := len(b.mem) + want // at most the limit, once compacted
	if !b.grow(min(max(2*cap(b.mem), need, 512), b.opt.Limit)) && !b.grow(need) && b.opt.Block {
		b.grow(min(need, blockFloor))
	}
	return min(want, cap(b.mem)-len(b.mem))
}

// compact moves the unread bytes to the front of mem. b.mu is held.
func (b *Buffer) compact() {
	if b.r > 0 {
		k := copy(b.mem, b.mem[b.r:])
		b.mem, b.r = b.mem[:k], 0
	}
}

// grow makes the capacity of mem newCap, taking what it adds from the
// budget, and reports whether it could. b.mu is held, and mem is not being
// filled by ReadFrom.
func (b *Buffer) grow(newCap int) bool {
	add := newCap - cap(b.mem)
	if add <= 0 {
		return true
	}
	if h := b.held; h != nil {
		if !h.budget.take(add) {
			if !b.opt.Block || newCap > blockFloor {
				return false
			}
			h.budget.force(add)
		}
		h.n += add
	}
	grown := make([]byte, len(b.mem), newCap)
	copy(grown, b.mem)
	b.mem = grown
	return true
}

// release frees mem, giving it back to the budget. b.mu is held, and mem
// is not being filled by ReadFrom.
func (b *Buffer) release() {
	if b.held != nil {
		b.held.giveBack()
	}
	b.mem, b.r = nil, 0
}

// CloseWithError marks the end of the stream. Readers get the buffered bytes
// and then err, or io.EOF when err is nil. A writer blocked in blocking
// mode returns io.ErrClosedPipe: what it had left to write is dropped.
func (b *Buffer) CloseWithError(err error) {
	b.mu.Lock()
	if !b.done {
		b.done = true
		b.err = err
	}
	b.mu.Unlock()
	signal(b.readable)
	signal(b.writable)
}

// Read reads buffered bytes, blocking until some arrive or the stream ends.
func (b *Buffer) Read(p []byte) (int, error) { return b.ReadTimeout(p, 0) }

// ReadTimeout is Read that gives up with ErrTimeout after d without data.
// d <= 0 waits forever.
func (b *Buffer) ReadTimeout(p []byte, d time.Duration) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var timer *time.Timer
	for {
		n, err, ok := b.tryRead(p)
		if ok {
			if timer != nil {
				timer.Stop()
			}
			return n, err
		}
		if d <= 0 {
			<-b.readable
			continue
		}
		if timer == nil {
			timer = time.NewTimer(d)
		}
		select {
		case <-b.readable:
		case <-timer.C:
			if n, err, ok := b.tryRead(p); ok {
				return n, err
			}
			return 0, ErrTimeout
		}
	}
}

// tryRead reads what is there; ok is false when the caller must wait.
func (b *Buffer) tryRead(p []byte) (n int, err error, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r < len(b.mem) {
		n = copy(p, b.mem[b.r:])
		b.r += n
		if b.r == len(b.mem) && !b.filling {
			// Drained: keep the memory for what comes next, unless
			// nothing will, or others may need it.
			if b.done || cap(b.mem) > keepCap && b.held != nil && b.held.budget.tight() {
				b.release()
			} else {
				b.mem, b.r = b.mem[:0], 0
			}
		}
		signal(b.writable)
		return n, nil, true
	}
	if b.f != nil && (b.ar < len(b.ahead) || b.fr < b.fw) {
		n, err = b.readSpilled(p)
		if b.ar == len(b.ahead) && b.fr == b.fw {
			// Drained: back to memory, and give the descriptor back.
			b.dropSpill()
		}
		if n > 0 || err == nil {
			return n, nil, true
		}
		return 0, err, true
	}
	if b.done {
		if b.err != nil {
			return 0, b.err, true
		}
		return 0, io.EOF, true
	}
	return 0, nil, false
}

// readAhead is how much of the spill file one read fetches for reads
// smaller than that.
const readAhead = 64 << 10

// readSpilled reads from the spill file, through the read-ahead buffer for
// small reads. b.mu is held.
func (b *Buffer) readSpilled(p []byte) (int, error) {
	if b.ar == len(b.ahead) {
		if len(p) >= readAhead {
			n, err := b.f.ReadAt(p[:min(int64(len(p)), b.fw-b.fr)], b.fr)
			b.fr += int64(n)
			return n, err
		}
		if b.ahead == nil {
			b.ahead = make([]byte, 0, readAhead)
		}
		n, err := b.f.ReadAt(b.ahead[:min(int64(readAhead), b.fw-b.fr)], b.fr)
		b.fr += int64(n)
		b.ahead, b.ar = b.ahead[:n], 0
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, b.ahead[b.ar:])
	b.ar += n
	return n, nil
}

// dropSpill closes the spill file and forgets what was read ahead. b.mu is
// held.
func (b *Buffer) dropSpill() {
	b.f.Close()
	b.f, b.fr, b.fw = nil, 0, 0
	b.ahead, b.ar = nil, 0
}

// Discard is called by a reader that will read no more: it frees what is
// buffered and makes further writes succeed without being kept.
func (b *Buffer) Discard() {
	b.mu.Lock()
	b.discard = true
	if !b.filling {
		b.release()
	} else {
		b.r = len(b.mem) // ReadFrom owns the memory until it returns
	}
	if b.f != nil {
		b.dropSpill()
	}
	b.mu.Unlock()
	signal(b.writable)
}

// Buffered reports the number of unread bytes held in memory and on disk.
func (b *Buffer) Buffered() (mem int, disk int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.mem) - b.r, int64(len(b.ahead)-b.ar) + b.fw - b.fr
}

// Written reports how many bytes were written in all.
func (b *Buffer) Written() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}
