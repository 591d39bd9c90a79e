package spool

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		block bool
		size  int
	}{
		{"empty", 16, false, 0},
		{"fits in memory", 1 << 10, false, 500},
		{"spills to disk", 1 << 10, false, 1 << 20},
		{"blocks the writer", 1 << 10, true, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(Options{Limit: tt.limit, Dir: t.TempDir(), Block: tt.block})
			want := make([]byte, tt.size)
			for i := range want {
				want[i] = byte(rand.IntN(256))
			}
			go func() {
				p := want
				for len(p) > 0 {
					k := min(len(p), 1+rand.IntN(3000))
					if _, err := b.Write(p[:k]); err != nil {
						b.CloseWithError(err)
						return
					}
					p = p[k:]
				}
				b.CloseWithError(nil)
			}()
			got, err := io.ReadAll(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d; content differs", len(got), len(want))
			}
		})
	}
}

func TestSpillKeepsMemoryBounded(t *testing.T) {
	dir := t.TempDir()
	b := New(Options{Limit: 4096, Dir: dir})
	chunk := bytes.Repeat([]byte("x"), 1000)
	for i := 0; i < 1000; i++ {
		if _, err := b.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	mem, disk := b.Buffered()
	if mem > 4096 || disk < 1000*1000-4096 {
		t.Fatalf("mem %d disk %d: want mem <= 4096 and the rest on disk", mem, disk)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("spill file left visible in %s: %v", dir, ents)
	}
	b.CloseWithError(nil)
	n, err := io.Copy(io.Discard, b)
	if err != nil || n != 1000*1000 {
		t.Fatalf("read %d, %v", n, err)
	}
}

func TestFinalError(t *testing.T) {
	b := New(Options{})
	b.Write([]byte("abc"))
	boom := errors.New("boom")
	b.CloseWithError(boom)
	got, err := io.ReadAll(b)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestReadTimeout(t *testing.T) {
	b := New(Options{})
	p := make([]byte, 10)
	if _, err := b.ReadTimeout(p, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	b.Write([]byte("hi"))
	n, err := b.ReadTimeout(p, time.Second)
	if err != nil || string(p[:n]) != "hi" {
		t.Fatalf("got %q, %v", p[:n], err)
	}
}

func TestDiscardReleasesBlockedWriter(t *testing.T) {
	b := New(Options{Limit: 10, Block: true})
	done := make(chan error)
	go func() {
		_, err := b.Write(make([]byte, 100))
		done <- err
	}()
	b.Discard()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b.Written() != 100 {
		t.Fatalf("Written = %d", b.Written())
	}
}

// TestCloseReleasesBlockedWriter closes a blocking buffer whose writer
// waits for a reader who never comes, as when a stopped host's output is
// not read: the writer, by Write or ReadFrom, returns at once, and the
// reader still gets what was held, then the end.
func TestCloseReleasesBlockedWriter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(b *Buffer) error
	}{
		{"Write", func(b *Buffer) error { _, err := b.Write(make([]byte, 100)); return err }},
		{"ReadFrom", func(b *Buffer) error { _, err := b.ReadFrom(bytes.NewReader(make([]byte, 100))); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New(Options{Limit: 10, Block: true})
			done := make(chan error)
			go func() { done <- tc.write(b) }()
			for mem, _ := b.Buffered(); mem < 10; mem, _ = b.Buffered() {
				runtime.Gosched() // until the writer has filled the memory and waits
			}
			b.CloseWithError(nil)
			select {
			case err := <-done:
				if !errors.Is(err, io.ErrClosedPipe) {
					t.Errorf("blocked writer returned %v, want io.ErrClosedPipe", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the writer is still blocked 10s after the buffer was closed")
			}
			if got, err := io.ReadAll(b); len(got) != 10 || err != nil {
				t.Errorf("read %d bytes, %v; want the 10 held, then the end", len(got), err)
			}
		})
	}
}

func TestWriteAfterClose(t *testing.T) {
	b := New(Options{})
	b.CloseWithError(nil)
	if _, err := b.Write([]byte("x")); err == nil {
		t.Fatal("write after close succeeded")
	}
}

// TestSmallReadsOfSpilledData reads spilled data in small pieces, which go
// through the read-ahead buffer, while the writer goes on: the bytes come
// back in order across spilling, draining and spilling again, and Buffered
// counts what was read ahead as still unread.
func TestSmallReadsOfSpilledData(t *testing.T) {
	b := New(Options{Limit: 1 << 10, Dir: t.TempDir()})
	want := make([]byte, 3<<20)
	for i := range want {
		want[i] = byte(rand.IntN(256))
	}
	if _, err := b.Write(want[:200<<10]); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 10)
	if n, err := io.ReadFull(b, p); err != nil || !bytes.Equal(p, want[:n]) {
		t.Fatalf("first read: %d, %v", n, err)
	}
	if mem, disk := b.Buffered(); int64(mem)+disk != 200<<10-10 {
		t.Fatalf("Buffered() = %d + %d after reading 10 of %d bytes", mem, disk, 200<<10)
	}
	go func() {
		rest := want[200<<10:]
		for len(rest) > 0 {
			k := min(len(rest), 1+rand.IntN(40000))
			if _, err := b.Write(rest[:k]); err != nil {
				b.CloseWithError(err)
				return
			}
			rest = rest[k:]
		}
		b.CloseWithError(nil)
	}()
	got := append([]byte{}, p...)
	buf := make([]byte, 100<<10)
	for {
		n, err := b.Read(buf[:1+rand.IntN(len(buf))])
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d; content differs", len(got), len(want))
	}
}
