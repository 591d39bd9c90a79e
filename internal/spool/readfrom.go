package spool

import (
	"errors"
	"io"
)

// minChunk is the least free space ReadFrom reads into.
const minChunk = 512

// ReadFrom reads r to its end straight into the buffer's memory, without
// an intermediate copy buffer: io.Copy (and so an SSH session copying a
// channel into the Buffer) uses it. Memory grows with what arrives, from
// nothing for a stream that stays empty, and never past the limit; past it,
// data spills to disk through a scratch buffer (or, in blocking mode, the
// reading waits for the reader).
func (b *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	var scratch []byte // for spilling and discarding
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

		if tail == nil { // spilling or discarding: go through scratch
			if scratch == nil {
				scratch = make([]byte, 32<<10)
			}
			n, err := r.Read(scratch)
			if n > 0 {
				if _, werr := b.Write(scratch[:n]); werr != nil {
					return total, werr
				}
				total += int64(n)
			}
			if err != nil {
				return total, eofIsNil(err)
			}
			continue
		}

		n, err := r.Read(tail)
		b.mu.Lock()
		b.filling = false
		if b.discard {
			b.mem, b.r = nil, 0 // the reader went away: drop it all
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
	unread := len(b.mem) - b.r
	room := b.opt.Limit - unread
	if room <= 0 {
		return nil
	}
	if cap(b.mem)-len(b.mem) < minChunk && b.r > 0 {
		k := copy(b.mem, b.mem[b.r:])
		b.mem, b.r = b.mem[:k], 0
	}
	if free := cap(b.mem) - len(b.mem); free < minChunk && free < room {
		grown := make([]byte, len(b.mem), min(max(2*cap(b.mem), minChunk), b.r+b.opt.Limit))
		copy(grown, b.mem)
		b.mem = grown
	}
	free := b.mem[len(b.mem):cap(b.mem)]
	return free[:min(len(free), room)]
}
