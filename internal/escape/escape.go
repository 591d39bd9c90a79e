// Package escape makes text that a server chose safe to show: on a
// terminal, and inside pssh's own lines. Control characters, escape
// sequences and bidirectional-text controls become visible escapes (\x1b,
// \r, \u009b, \u202e), so that they can neither move the cursor, rewrite or
// add a line, nor retitle the window; and a quote of such text is bounded.
//
// What is escaped, everywhere:
//
//   - C0 control bytes (0x00–0x1f) and DEL (0x7f), but for the exceptions of
//     a [Stream];
//   - C1 controls (U+0080–U+009F, written in UTF-8): U+009B is CSI on
//     terminals that take 8-bit controls;
//   - bytes that are not valid UTF-8 (a lone 0x9b is CSI too);
//   - the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
//     U+2066–U+2069), which reorder how a line shows on terminals that
//     implement bidirectional text.
//
// The escapes are Go's: \a \b \t \n \v \f \r, \xNN for other bytes, \uNNNN
// for runes. A backslash is left alone, as cat -v leaves it: the escapes
// are for a person to read, not for a program to decode, and a program
// wants the bytes themselves (pssh's -o files, --json, --raw).
package escape

import (
	"strconv"
	"unicode/utf8"
)

// unsafeRune reports whether r is escaped wherever it appears.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// safeASCII reports whether c is printable ASCII: the bytes copied as they
// are without a second look.
func safeASCII(c byte) bool { return c >= 0x20 && c < 0x7f }

const hex = "0123456789abcdef"

// appendByte appends the escape of byte c, a control byte or one that is
// not valid UTF-8.
func appendByte(dst []byte, c byte) []byte {
	switch c {
	case '\a':
		return append(dst, `\a`...)
	case '\b':
		return append(dst, `\b`...)
	case '\t':
		return append(dst, `\t`...)
	case '\n':
		return append(dst, `\n`...)
	case '\v':
		return append(dst, `\v`...)
	case '\f':
		return append(dst, `\f`...)
	case '\r':
		return append(dst, `\r`...)
	}
	return append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
}

// appendRune appends the escape of r, an unsafe rune of two bytes or more
// in UTF-8.
func appendRune(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// next returns what the text at the start of p shows as, appended to dst,
// and how many bytes of p that is. In a stream (stream set), tab and
// newline pass, and so does a carriage return just before a newline. When
// p ends in what may be the start of a longer sequence (part of a UTF-8
// rune, or a carriage return whose next byte is unknown) and final is not
// set, next consumes nothing (0) and the caller waits for more.
func next(dst, p []byte, stream, final bool) ([]byte, int) {
	c := p[0]
	if safeASCII(c) {
		i := 1
		for i < len(p) && safeASCII(p[i]) {
			i++
		}
		return append(dst, p[:i]...), i
	}
	if c < utf8.RuneSelf {
		switch {
		case stream && (c == '\n' || c == '\t'):
			return append(dst, c), 1
		case stream && c == '\r':
			switch {
			case len(p) > 1 && p[1] == '\n':
				return append(dst, "\r\n"...), 2
			case len(p) == 1 && !final:
				return dst, 0
			}
		}
		return appendByte(dst, c), 1
	}
	r, size := utf8.DecodeRune(p)
	switch {
	case r == utf8.RuneError && size <= 1:
		if !final && !utf8.FullRune(p) {
			return dst, 0
		}
		return appendByte(dst, c), 1
	case unsafeRune(r):
		return appendRune(dst, r), size
	}
	return append(dst, p[:size]...), size
}

// Line returns s as it may be shown inside one line of text: everything
// unsafe escaped, newlines and tabs included. If limit is positive and the
// escaped text would be longer than limit bytes, it is cut there (between
// escapes, never inside one) and ends with how many bytes of s were left
// out: "... (270131 more bytes)".
func Line(s string, limit int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !safeASCII(s[i]) {
			clean = false
			break
		}
	}
	if clean && (limit <= 0 || len(s) <= limit) {
		return s
	}
	p := s
	if limit > 0 {
		// Each byte of s shows as one byte or more: past limit+UTFMax
		// bytes, the text is cut for sure, and only its length counts.
		p = s[:min(len(s), limit+utf8.UTFMax)]
	}
	b := []byte(p)
	var out []byte
	for i := 0; i < len(b); {
		before := len(out)
		var n int
		out, n = next(out, b[i:], false, true)
		if limit > 0 && len(out) > limit {
			// Keep what fits of a run of plain text, cut at a rune's start.
			keep := before
			if safeASCII(b[i]) {
				keep = limit
			}
			out = append(out[:keep], "... ("...)
			out = strconv.AppendInt(out, int64(len(s)-i-(keep-before)), 10)
			return string(append(out, " more bytes)"...))
		}
		i += n
	}
	return string(out)
}

// Stream escapes a byte stream, such as a host's output, for a terminal:
// as [Line] does, except that newlines and tabs pass, and a carriage
// return passes just before a newline (CR LF line ends), so the text keeps
// its lines. A lone carriage return, which would send the cursor back over
// the start of the line, is escaped. A rune or a CR LF split between two
// writes is handled as if it had come whole. The zero value is ready.
type Stream struct {
	carry []byte // the end of the last write, held back: part of a rune, or a CR
}

// Append appends p, escaped, to dst and returns the result. The end of p
// may be held back until the next Append or [Stream.Flush].
func (s *Stream) Append(dst, p []byte) []byte {
	if len(s.carry) > 0 {
		p = append(s.carry, p...)
		s.carry = nil
	}
	for i := 0; i < len(p); {
		var n int
		dst, n = next(dst, p[i:], true, false)
		if n == 0 {
			s.carry = append([]byte(nil), p[i:]...)
			break
		}
		i += n
	}
	return dst
}

// Flush appends what Append held back, escaped, to dst: the stream has
// ended.
func (s *Stream) Flush(dst []byte) []byte {
	p := s.carry
	s.carry = nil
	for i := 0; i < len(p); {
		var n int
		dst, n = next(dst, p[i:], true, true)
		i += n
	}
	return dst
}

// JSON rewrites, in JSON text as encoding/json writes it, the characters
// that it leaves as they are and a terminal would act on (DEL, the C1
// controls, the bidirectional controls) as \u escapes, which decode to the
// same string. It returns b itself when there is nothing to rewrite.
func JSON(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		if b[i] < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if unsafeRune(r) {
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[last:i]...)
			out = appendRune(out, r)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}
