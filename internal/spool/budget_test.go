package spool

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	return b
}

// TestBudgetSharedByBuffers fills buffers that share a budget, through
// Write and through ReadFrom, with nobody reading: together they keep no
// more than the budget in memory, whatever their own limits, and spill the
// rest; every byte comes back, and once drained and closed they give their
// memory back.
func TestBudgetSharedByBuffers(t *testing.T) {
	for _, viaReadFrom := range []bool{false, true} {
		g := NewBudget(16 << 10)
		bufs := make([]*Buffer, 4)
		want := make([][]byte, len(bufs))
		for i := range bufs {
			bufs[i] = New(Options{Limit: 1 << 20, Dir: t.TempDir(), Budget: g})
			want[i] = randomBytes(100 << 10)
			var err error
			if viaReadFrom {
				_, err = io.Copy(bufs[i], &chunky{want[i]})
			} else {
				for p := want[i]; len(p) > 0 && err == nil; {
					k := min(len(p), 1+rand.IntN(3000))
					_, err = bufs[i].Write(p[:k])
					p = p[k:]
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			bufs[i].CloseWithError(nil)
		}
		var inMemory int
		for _, b := range bufs {
			mem, disk := b.Buffered()
			inMemory += mem
			if int64(mem)+disk != 100<<10 {
				t.Fatalf("ReadFrom %t: buffer holds %d + %d bytes, want %d", viaReadFrom, mem, disk, 100<<10)
			}
		}
		if inMemory > 16<<10 || g.Used() > 16<<10 {
			t.Errorf("ReadFrom %t: %d bytes in memory, budget used %d: want at most the budget, %d", viaReadFrom, inMemory, g.Used(), 16<<10)
		}
		for i, b := range bufs {
			got, err := io.ReadAll(b)
			if err != nil || !bytes.Equal(got, want[i]) {
				t.Fatalf("ReadFrom %t: buffer %d: read %d bytes, %v; want %d, same content", viaReadFrom, i, len(got), err, len(want[i]))
			}
		}
		if g.Used() != 0 {
			t.Errorf("ReadFrom %t: budget used %d after every buffer was drained, want 0", viaReadFrom, g.Used())
		}
	}
}

// TestDrainedBufferGivesBackMemory checks that a buffer its reader has
// caught up with keeps its memory for what comes next while the budget has
// room, and gives back all but a little of it once the budget is more than
// half used.
func TestDrainedBufferGivesBackMemory(t *testing.T) {
	for _, tc := range []struct {
		budget int64
		kept   bool // the 512 KiB it grew to
	}{
		{4 << 20, true},
		{768 << 10, false},
	} {
		g := NewBudget(tc.budget)
		b := New(Options{Limit: 1 << 20, Budget: g})
		if _, err := b.Write(make([]byte, 512<<10)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(b, make([]byte, 512<<10)); err != nil {
			t.Fatal(err)
		}
		if used := g.Used(); tc.kept && used != 512<<10 || !tc.kept && used > keepCap {
			t.Errorf("budget %d: %d used by a drained buffer, want 512 KiB kept: %t (else at most %d)", tc.budget, used, tc.kept, keepCap)
		}
	}
}

// TestBlockingBufferPastBudget checks that a blocking buffer whose budget
// other buffers used up still goes on, within a little memory of its own:
// its writer is never stuck for good while its reader reads.
func TestBlockingBufferPastBudget(t *testing.T) {
	g := NewBudget(8 << 10)
	full := New(Options{Limit: 1 << 20, Block: true, Budget: g})
	if _, err := full.Write(make([]byte, 8<<10)); err != nil { // the whole budget, never read
		t.Fatal(err)
	}
	b := New(Options{Limit: 1 << 20, Block: true, Budget: g})
	want := randomBytes(1 << 20)
	go func() {
		_, err := io.Copy(b, &chunky{want})
		b.CloseWithError(err)
	}()
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v; want %d, same content", len(got), err, len(want))
	}
	if used := g.Used(); used > 8<<10+blockFloor {
		t.Errorf("budget used %d, want at most %d (the budget and one floor)", used, 8<<10+blockFloor)
	}
}

// TestDroppedBufferGivesBackMemory checks that a buffer dropped without
// being read to its end gives its memory back to the budget once it is
// collected.
func TestDroppedBufferGivesBackMemory(t *testing.T) {
	g := NewBudget(1 << 20)
	func() {
		b := New(Options{Budget: g})
		if _, err := b.Write(make([]byte, 100<<10)); err != nil {
			t.Fatal(err)
		}
		b.CloseWithError(nil)
	}()
	if g.Used() == 0 {
		t.Fatal("the buffer took nothing from the budget")
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.Used() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("budget used %d long after the buffer was dropped, want 0", g.Used())
		}
		runtime.GC() // the cleanup runs after a collection, on its own goroutine
		runtime.Gosched()
	}
}
