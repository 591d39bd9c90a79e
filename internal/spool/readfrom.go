package spool

import (
	"errors"
	"io"
	"sync"
)

// minChunk is the least free space ReadFrom reads into.
const minChunk = 512

// Passing data on to the spill file: a reader that waits for data holds a
// small buffer of its own; once it came back full, more is probably there,
// and the rest is read into a larger one shared by every Buffer, so that
// thousands of spilling streams that wait do not each hold the larger one.
const (
	waitChunk  = 2 << 10
	spillChunk = 32 << 10
)

var spillBufs = sync.Pool{New: func() any { b := make([]byte, spillChunk); return &b }}

// ReadFrom reads r to its end straight into the buffer's memory, without
// an intermediate copy buffer: io.Copy (and so an SSH session copying a
// channel into the Buffer) uses it. Memory grows with what arrives, from
// nothing for a stream that stays empty, and never past the limit; past it,
// data spills to disk (or, in blocking mode, the reading waits for the
// reader).
func (b *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	var small []byte // for spilling and discarding
	for {
		b.mu.Lock()
		if b.done {
			b.mu.Unlock()
			return total, io.ErrClosedPipe
		}
		tail := b.memTail()
		if tail == nil && b.opt.Block {
			b.mu.Unlock()
			<-b.writable
			continue
		}
		if tail != nil {
			b.filling = true
		}
		b.mu.Unlock()

		if tail == nil { // spilling or discarding
			if small == nil {
				small = make([]byte, waitChunk)
			}
			n, err := b.passOn(r, small)
			total += int64(n)
			if err != nil {
				return total, eofIsNil(err)
			}
			continue
		}

		n, err := r.Read(tail)
		b.mu.Lock()
		b.filling = false
		if b.discard {
			b.release() // the reader went away: drop it all
		} else {
			b.mem = b.mem[:len(b.mem)+n]
		}
		b.total += int64(n)
		b.mu.Unlock()
		if n > 0 {
			total += int64(n)
			signal(b.readable)
		}
		if err != nil {
			return total, eofIsNil(err)
		}
	}
}

// passOn reads what r has into small, and if that fills it, the rest that
// r has at once into a shared larger buffer, and writes it all with Write.
func (b *Buffer) passOn(r io.Reader, small []byte) (int, error) {
	n, err := r.Read(small)
	if n < len(small) || err != nil {
		if n > 0 {
			if _, werr := b.Write(small[:n]); werr != nil {
				return 0, werr
			}
		}
		return n, err
	}
	bp := spillBufs.Get().(*[]byte)
	defer spillBufs.Put(bp)
	buf := *bp
	copy(buf, small)
	m, err := r.Read(buf[n:])
	n += m
	if _, werr := b.Write(buf[:n]); werr != nil {
		return 0, werr
	}
	return n, err
}

func eofIsNil(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// memTail returns free space at the end of the memory part to read into,
// compacting or growing it within the limit, or nil when data must go to
// disk (spilling, or memory full) or be dropped. b.mu is held.
func (b *Buffer) memTail() []byte {
	if b.discard || b.f != nil {
		return nil
	}
	room := b.space(minChunk)
	if room == 0 {
		return nil
	}
	free := b.mem[len(b.mem):cap(b.mem)]
	return free[:min(len(free), b.opt.Limit-(len(b.mem)-b.r))]
}
