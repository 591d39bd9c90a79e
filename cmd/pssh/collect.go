package main

import (
	"bytes"
	"io"
	"path/filepath"
	"sync"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/escape"
)

// result is one finished host.
type result struct {
	out            *pssh.HostOutput
	name           string   // display name, host[:port]
	stdout, stderr *capture // kept when a view needs them (-i, -b, --json)
	outcome        outcome
	text           string // short status text for failures
	kind           string // error kind for --json
	// lost says what of the host's output pssh could not keep (-o/-e
	// files, the views' temporary files), stdout's first; nil when
	// everything was kept.
	lost []*outputError
	// variant numbers the host's stdout among the distinct ones, 1 for
	// the most common, with --diff --json (see numberVariants); 0: none.
	variant int
}

// collect reads one host's output to its end, writing it where the
// options say, and classifies how the host ended.
func (r *reporter) collect(out *pssh.HostOutput) *result {
	res := &result{out: out, name: out.Label}
	// The views that show output once the host has finished keep it;
	// --inline-stdout shows no stderr.
	if r.o.inline || r.o.inlineOut || r.o.gather || r.o.json || r.o.diff || r.o.byHost {
		res.stdout = newCapture(r.o.gather || r.o.diff)
	}
	if r.o.inline || r.o.gather || r.o.json || r.o.diff || r.o.byHost {
		res.stderr = newCapture(r.o.gather || r.o.diff)
	}
	stderrKeep := res.stderr
	var keepMu sync.Mutex // -B: both streams write to one capture
	if r.o.gatherAll {
		stderrKeep = res.stdout
		res.stderr.discard()
		res.stderr = nil
	}
	var lost [2][]*outputError // by stream, each written by its goroutine
	var wg sync.WaitGroup
	for i, s := range []struct {
		name   string
		stream *pssh.Stream
		dir    string
		keep   *capture
		dst    io.Writer
	}{
		{"stdout", out.Stdout, r.o.outDir, res.stdout, r.p.stdout},
		{"stderr", out.Stderr, r.o.errDir, stderrKeep, r.p.stderr},
	} {
		wg.Go(func() {
			var f *outFile
			if s.dir != "" {
				f = createOutFile(out.Host, s.name, filepath.Join(s.dir, r.fileNames[out.Index]))
			}
			var lp *linePrinter
			if r.o.print {
				lp = &linePrinter{p: r.p, w: s.dst, prefix: shown(res.name) + ": "}
				if r.p.escapes(s.dst) {
					lp.esc = new(escape.Stream)
				}
			}
			var keepErr error
			buf := make([]byte, 32<<10)
			for {
				n, err := s.stream.Read(buf)
				if n > 0 {
					chunk := buf[:n]
					f.write(chunk)
					if s.keep != nil && keepErr == nil {
						keepMu.Lock()
						keepErr = s.keep.write(chunk)
						keepMu.Unlock()
					}
					if lp != nil {
						lp.write(chunk)
					}
				}
				if err != nil {
					break
				}
			}
			if lp != nil {
				lp.flush()
			}
			if err := f.close(); err != nil {
				lost[i] = append(lost[i], err)
			}
			if keepErr != nil {
				keepMu.Lock()
				kept := s.keep.n
				keepMu.Unlock()
				lost[i] = append(lost[i], &outputError{Host: out.Host, Stream: s.name, Kept: kept, Err: keepErr})
			}
		})
	}
	wg.Wait()
	for _, c := range []*capture{res.stdout, res.stderr} {
		if c != nil {
			c.close()
		}
	}
	<-out.Done()
	res.lost = append(lost[0], lost[1]...)
	res.outcome, res.text, res.kind = hostStatus(out)
	if len(res.lost) > 0 {
		res.outcome, res.text, res.kind = lostStatus(res.lost[0], res.text)
	}
	return res
}

// maxPrintLine is the longest line -P holds back waiting for its end: a
// longer line is printed in pieces of this size, each on a line of its own
// with the host prefix, so that output without newlines takes bounded
// memory and is shown as it comes.
const maxPrintLine = 64 << 10

// linePrinter prints complete lines with a host prefix (-P). With esc, the
// host's output is escaped first (on a terminal), so that no carriage
// return or escape sequence of it can overwrite the prefix: each line it
// prints starts with the prefix, and shows after it.
type linePrinter struct {
	p       *printer
	w       io.Writer
	prefix  string
	esc     *escape.Stream // nil: the output as it is
	escaped []byte         // reused for what esc makes of one write
	partial []byte         // the start of an unfinished line, at most maxPrintLine
	out     []byte         // reused for what one write prints
}

func (l *linePrinter) write(b []byte) {
	if l.esc != nil {
		l.escaped = l.esc.Append(l.escaped[:0], b)
		b = l.escaped
	}
	l.add(b)
}

// add prints the complete lines of b, and holds back the rest.
func (l *linePrinter) add(b []byte) {
	l.out = l.out[:0]
	for len(b) > 0 {
		// A line fits if its newline comes within room+1 bytes.
		room := maxPrintLine - len(l.partial)
		if i := bytes.IndexByte(b[:min(len(b), room+1)], '\n'); i >= 0 {
			l.line(b[:i+1], false)
			b = b[i+1:]
			continue
		}
		if len(b) > room {
			l.line(b[:room], true)
			b = b[room:]
			continue
		}
		l.partial = append(l.partial, b...)
		break
	}
	if len(l.out) > 0 {
		l.p.write(l.w, l.out)
	}
}

// line adds the held partial line and rest, with the prefix, to what this
// write prints, ending it with a newline if rest lacks one.
func (l *linePrinter) line(rest []byte, addNewline bool) {
	l.out = append(l.out, l.prefix...)
	l.out = append(l.out, l.partial...)
	l.out = append(l.out, rest...)
	if addNewline {
		l.out = append(l.out, '\n')
	}
	l.partial = l.partial[:0]
}

// flush prints what is held back: the output has ended.
func (l *linePrinter) flush() {
	if l.esc != nil {
		l.add(l.esc.Flush(l.escaped[:0]))
	}
	if len(l.partial) > 0 {
		l.out = l.out[:0]
		l.line(nil, true)
		l.p.write(l.w, l.out)
	}
}
