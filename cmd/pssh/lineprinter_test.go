package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/escape"
)

func TestLinePrinter(t *testing.T) {
	long := strings.Repeat("x", maxPrintLine)
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
	}{
		{"nothing", nil, ""},
		{"one line", []string{"a\n"}, "h: a\n"},
		{"lines across chunks", []string{"a", "b\nc", "\nd\ne\n"}, "h: ab\nh: c\nh: d\nh: e\n"},
		{"last line without newline", []string{"a\nb"}, "h: a\nh: b\n"},
		{"empty lines", []string{"\n\n"}, "h: \nh: \n"},
		{"CR LF kept", []string{"a\r\n"}, "h: a\r\n"},
		{"long line split", []string{long + "yz\n"}, "h: " + long + "\nh: yz\n"},
		{"long line across chunks", []string{long[:10], long[10:], "tail"}, "h: " + long + "\nh: tail\n"},
		{"exactly the limit then newline", []string{long, "\n"}, "h: " + long + "\n"},
		{"one over the limit", []string{long + "x"}, "h: " + long + "\nh: x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			lp := &linePrinter{p: &printer{stdout: &out, stderr: &out}, w: &out, prefix: "h: "}
			for _, c := range tc.chunks {
				lp.write([]byte(c))
			}
			lp.flush()
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", abbreviate(got), abbreviate(tc.want))
			}
		})
	}
}

// TestLinePrinterEscaped: on a terminal, what a host prints is escaped
// before it is cut into lines, so each line starts with its prefix, and a
// carriage return that could write over it shows as \r (a CR LF split
// between writes is still a line end).
func TestLinePrinterEscaped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
	}{
		{"forged prefix", []string{"x\rother: forged\n"}, `h: x\rother: forged` + "\n"},
		{"CR LF split", []string{"a\r", "\nb\r", "c"}, "h: a\r\n" + `h: b\rc` + "\n"},
		{"CR at the end", []string{"a\r"}, `h: a\r` + "\n"},
		{"title", []string{"\x1b]0;t\x07\n"}, `h: \x1b]0;t\a` + "\n"},
		{"rune split", []string{"\xe6", "\x97\xa5\n"}, "h: 日\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			lp := &linePrinter{p: &printer{stdout: &out, stderr: &out}, w: &out, prefix: "h: ", esc: new(escape.Stream)}
			for _, c := range tc.chunks {
				lp.write([]byte(c))
			}
			lp.flush()
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLinePrinterNoNewline feeds 100 MB without a newline: the printer must
// keep at most one line's worth and print it all, in linear time (the test
// would take minutes if every write rescanned what is held).
func TestLinePrinterNoNewline(t *testing.T) {
	var n, lines int
	w := writerFunc(func(p []byte) (int, error) {
		n += len(p)
		lines += bytes.Count(p, []byte{'\n'})
		return len(p), nil
	})
	lp := &linePrinter{p: &printer{stdout: w, stderr: w}, w: w, prefix: "h: "}
	chunk := bytes.Repeat([]byte{'z'}, 32<<10)
	const total = 100 << 20
	for range total / len(chunk) {
		lp.write(chunk)
		if len(lp.partial) > maxPrintLine || cap(lp.partial) > 2*maxPrintLine {
			t.Fatalf("holding %d bytes (capacity %d)", len(lp.partial), cap(lp.partial))
		}
	}
	lp.flush()
	wantLines := total / maxPrintLine
	if lines != wantLines || n != total+wantLines*(len("h: ")+1) {
		t.Errorf("printed %d bytes in %d lines, want %d bytes in %d", n, lines, total+wantLines*4, wantLines)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func abbreviate(s string) string {
	if len(s) > 80 {
		return s[:40] + "…" + s[len(s)-40:]
	}
	return s
}
