package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"unicode/utf8"

	"github.com/gopssh/pssh/internal/escape"
	"github.com/gopssh/pssh/internal/spool"
)

// captureMemory is how much of one host's stream a capture keeps in memory;
// the rest goes to an unlinked temporary file. A thousand hosts printing
// gigabytes each for -i, -b or --json then cost disk, not memory.
const captureMemory = 64 << 10

// capture keeps one host's stdout or stderr for the views that print it
// once the host has finished (-i, -b, --json) and, for -b, a digest of it
// so that identical outputs are grouped without holding them. It is
// written by one goroutine, then, once closed, read once.
type capture struct {
	buf  *spool.Buffer
	hash hash.Hash // nil unless digested
	n    int64     // bytes kept
	last byte      // the last byte kept
	err  error     // the write that failed; nothing is kept after it
}

// newCapture returns an empty capture, which keeps a digest of what is
// written if digest is set (see key).
func newCapture(digest bool) *capture {
	c := &capture{buf: spool.New(spool.Options{Limit: captureMemory})}
	if digest {
		c.hash = sha256.New()
	}
	return c
}

// write keeps p. It fails only when the spill file cannot be created or
// written; the capture then holds what came before (c.n bytes) and keeps
// nothing more, so that it is the start of the output, without holes.
func (c *capture) write(p []byte) error {
	if len(p) == 0 || c.err != nil {
		return c.err
	}
	n, err := c.buf.Write(p)
	if c.hash != nil {
		c.hash.Write(p[:n])
	}
	c.n += int64(n)
	if n > 0 {
		c.last = p[n-1]
	}
	c.err = err
	return err
}

// close ends the writing.
func (c *capture) close() { c.buf.CloseWithError(nil) }

// empty tells whether nothing was captured.
func (c *capture) empty() bool { return c == nil || c.n == 0 }

// key identifies the content of a capture made with a digest: equal keys,
// equal outputs. An incomplete capture (a write failed) has a key of its
// own, so that -b never shows it as the output of hosts whose output was
// whole.
func (c *capture) key() string {
	if c.err != nil {
		return fmt.Sprintf("incomplete %p", c)
	}
	return string(c.hash.Sum(nil)) + "/" + itoa(int(c.n))
}

// discard drops the content, and its spill file.
func (c *capture) discard() {
	if c != nil {
		c.buf.Discard()
	}
}

// writeLines copies the content to w, escaped for a terminal if esc is
// set (see escape.Stream), ending it with a newline if it has none.
func (c *capture) writeLines(w io.Writer, esc bool) error {
	if c.empty() {
		return nil
	}
	if esc {
		if err := c.writeEscaped(w); err != nil {
			return err
		}
	} else if _, err := io.Copy(w, c.buf); err != nil {
		return err
	}
	// An escaped text ends in a newline if and only if the content does.
	if c.last != '\n' {
		_, err := w.Write([]byte{'\n'})
		return err
	}
	return nil
}

// writeEscaped copies the content to w escaped (see escape.Stream).
func (c *capture) writeEscaped(w io.Writer) error {
	var s escape.Stream
	buf := make([]byte, 32<<10)
	var out []byte
	for {
		n, err := c.buf.Read(buf)
		out = s.Append(out[:0], buf[:n])
		if err != nil {
			out = s.Flush(out)
		}
		if _, werr := w.Write(out); werr != nil {
			return werr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// writeJSON writes the content to w as one JSON string, as encoding/json
// would write it (invalid UTF-8 as U+FFFD), without holding it all: runes
// split across reads are carried over to the next.
func (c *capture) writeJSON(w io.Writer) error {
	if _, err := io.WriteString(w, `"`); err != nil {
		return err
	}
	if !c.empty() {
		buf := make([]byte, 32<<10)
		carry := 0
		for {
			n, err := c.buf.Read(buf[carry:])
			n += carry
			end := err != nil
			cut := n
			if !end {
				cut = completeRunes(buf[:n])
			}
			if err := writeJSONChunk(w, buf[:cut]); err != nil {
				return err
			}
			carry = copy(buf, buf[cut:n])
			if end {
				if err != io.EOF {
					return err
				}
				break
			}
		}
	}
	_, err := io.WriteString(w, `"`)
	return err
}

// completeRunes returns the length of the longest prefix of b that does
// not end in the middle of a UTF-8 sequence.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// writeJSONChunk writes b JSON-escaped, without the quotes.
func writeJSONChunk(w io.Writer, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	q, err := json.Marshal(string(b))
	if err != nil {
		return err
	}
	q = escape.JSON(q) // C1 and bidirectional controls too, not only C0
	_, err = w.Write(q[1 : len(q)-1])
	return err
}

// keepDistinct keeps, for -b, one capture of each distinct output: a
// host's stdout or stderr equal to one kept already is dropped (its spill
// file closed) and replaced by that one, so that hosts printing the same
// thing hold one copy, and one file, between them until the end.
func (r *reporter) keepDistinct(res *result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.distinct == nil {
		r.distinct = map[string]*capture{}
	}
	for i, c := range []**capture{&res.stdout, &res.stderr} {
		if (*c).empty() {
			continue
		}
		key := string(rune('0'+i)) + (*c).key()
		if kept := r.distinct[key]; kept != nil {
			(*c).discard()
			*c = kept
		} else {
			r.distinct[key] = *c
		}
	}
}
