package spool

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"
)

// chunky returns data in reads of random sizes, as an SSH channel does.
type chunky struct{ data []byte }

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+rand.IntN(40000))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestReadFromRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		block bool
		size  int
		slow  bool // the reader starts only after everything was written
	}{
		{"empty", 1 << 10, false, 0, false},
		{"small", 1 << 20, false, 100, false},
		{"spills while nobody reads", 4 << 10, false, 1 << 20, true},
		{"concurrent reader", 4 << 10, false, 4 << 20, false},
		{"blocking", 4 << 10, true, 1 << 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(Options{Limit: tt.limit, Dir: t.TempDir(), Block: tt.block})
			want := make([]byte, tt.size)
			for i := range want {
				want[i] = byte(rand.IntN(256))
			}
			wrote := make(chan error, 1)
			go func() {
				n, err := io.Copy(b, &chunky{want}) // uses ReadFrom
				if err == nil && n != int64(len(want)) {
					err = io.ErrShortWrite
				}
				b.CloseWithError(err)
				wrote <- err
			}()
			if tt.slow {
				if err := <-wrote; err != nil {
					t.Fatal(err)
				}
				if mem, _ := b.Buffered(); mem > tt.limit {
					t.Fatalf("%d bytes in memory, limit %d", mem, tt.limit)
				}
			}
			got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(b, 10)))
			if err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(b)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rest...)
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d; content differs", len(got), len(want))
			}
		})
	}
}

func TestReadFromEmptyStreamAllocatesLittle(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 100
	for range runs {
		b := New(Options{})
		io.Copy(b, &chunky{})
	}
	runtime.ReadMemStats(&after)
	// The Buffer, its channels and a first small chunk: no 32 KiB copy buffer.
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 2048 {
		t.Fatalf("%d bytes allocated per empty stream", per)
	}
}

func TestDiscardDuringReadFrom(t *testing.T) {
	b := New(Options{Limit: 1 << 10})
	pr, pw := io.Pipe()
	done := make(chan int64)
	go func() {
		n, _ := io.Copy(b, pr)
		done <- n
	}()
	pw.Write(make([]byte, 100))
	b.Discard()
	pw.Write(make([]byte, 5000))
	pw.Close()
	if n := <-done; n != 5100 {
		t.Fatalf("ReadFrom took %d bytes, want 5100", n)
	}
	if mem, disk := b.Buffered(); mem != 0 || disk != 0 {
		t.Fatalf("discarded buffer holds %d + %d bytes", mem, disk)
	}
}
