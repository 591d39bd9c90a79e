package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/escape"
)

// fill returns a capture holding data, written in pieces of at most step
// bytes, and closed.
func fill(t *testing.T, data []byte, step int) *capture {
	t.Helper()
	c := newCapture(true)
	for len(data) > 0 {
		n := min(step, len(data))
		if err := c.write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	c.close()
	return c
}

func TestCaptureJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	// Multi-byte runes straddling every read boundary, invalid bytes, and
	// characters encoding/json escapes.
	var mixed bytes.Buffer
	for mixed.Len() < 200<<10 {
		switch rnd.IntN(6) {
		case 0:
			mixed.WriteString("é")
		case 1:
			mixed.WriteString("€𝄞\u009b\u202e") // and controls only pssh escapes
		case 2:
			mixed.WriteByte(byte(rnd.IntN(256))) // often invalid UTF-8
		case 3:
			mixed.WriteString("<a href=\"x\">&</a>\n\t\\")
		default:
			mixed.WriteString("plain text ")
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"ascii", []byte("hello\n")},
		{"split rune at the end", []byte("ab\xe2\x82")},
		{"mixed", mixed.Bytes()},
		{"long rune run", bytes.Repeat([]byte("𝄞"), 50000)},
		{"long rune run, misaligned", append([]byte("é!"), bytes.Repeat([]byte("𝄞"), 50000)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, _ := json.Marshal(string(tc.data))
			want = escape.JSON(want)
			for _, step := range []int{1, 3, 4096, 1 << 20} {
				if step == 1 && len(tc.data) > 1<<16 {
					continue
				}
				var got bytes.Buffer
				if err := fill(t, tc.data, step).writeJSON(&got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("written in %d-byte pieces: %d bytes of JSON, differing from encoding/json's %d", step, got.Len(), len(want))
				}
			}
		})
	}
}

func TestCaptureLinesAndKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a\nb\n", "a\nb\n"},
		{"no newline", "no newline\n"},
		{strings.Repeat("x", 300<<10), strings.Repeat("x", 300<<10) + "\n"}, // spilled to disk
	} {
		var got bytes.Buffer
		c := fill(t, []byte(tc.in), 7000)
		if err := c.writeLines(&got, false); err != nil {
			t.Fatal(err)
		}
		if got.String() != tc.want {
			t.Errorf("writeLines of %d bytes gave %d bytes, want %d", len(tc.in), got.Len(), len(tc.want))
		}
		c.discard()
	}
	a, b, c := fill(t, []byte("same"), 1), fill(t, []byte("same"), 4), fill(t, []byte("other"), 1)
	if a.key() != b.key() || a.key() == c.key() {
		t.Error("keys do not tell outputs apart")
	}
	// Escaped for a terminal, spilled to disk and read in pieces: the
	// same as escaped whole.
	big := strings.Repeat("日本\x1b[2J\r\n\rx", 40<<10)
	var s escape.Stream
	want := string(s.Flush(s.Append(nil, []byte(big))))
	for _, step := range []int{1 << 10, 7001} {
		var got bytes.Buffer
		c := fill(t, []byte(big), step)
		if err := c.writeLines(&got, true); err != nil {
			t.Fatal(err)
		}
		if got.String() != want+"\n" || strings.Contains(want, "\x1b") {
			t.Errorf("escaped writeLines of %d bytes gave %d bytes, want %d", len(big), got.Len(), len(want)+1)
		}
		c.discard()
	}
	var nilCapture *capture
	if !nilCapture.empty() || nilCapture.writeLines(nil, false) != nil {
		t.Error("a nil capture is not empty")
	}
	nilCapture.discard()
}

// TestCaptureIncomplete makes the spill file impossible to create: the
// capture keeps what fitted in memory, then nothing more, and its key is
// its own, even beside a whole capture of the same bytes.
func TestCaptureIncomplete(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	c := newCapture(true)
	first := strings.Repeat("a", captureMemory)
	if err := c.write([]byte(first)); err != nil {
		t.Fatal(err)
	}
	if err := c.write([]byte("b")); err == nil {
		t.Fatal("writing past memory without a spill file succeeded")
	}
	if err := c.write([]byte("c")); err == nil {
		t.Error("a write after a failed one succeeded")
	}
	c.close()
	defer c.discard()
	var got bytes.Buffer
	if err := c.writeLines(&got, false); err != nil {
		t.Fatal(err)
	}
	if got.String() != first+"\n" || c.n != int64(len(first)) {
		t.Errorf("kept %d bytes (n %d), want the %d before the failure", got.Len(), c.n, len(first))
	}
	whole := fill(t, []byte(first), len(first))
	defer whole.discard()
	if c.key() == whole.key() || c.key() != c.key() {
		t.Error("an incomplete capture shares its key with a whole one, or its key changes")
	}
}
