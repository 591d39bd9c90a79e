package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/safename"
)

// result is one finished host.
type result struct {
	out            *pssh.HostOutput
	name           string   // display name, host[:port]
	stdout, stderr *capture // kept when a view needs them (-i, -b, --json)
	outcome        outcome
	text           string // short status text for failures
	kind           string // error kind for --json
	fileErr        error  // writing -o/-e files failed
	keepErr        error  // keeping the output for the view failed (spill file)
}

// collect reads one host's output to its end, writing it where the
// options say, and classifies how the host ended.
func (r *reporter) collect(out *pssh.HostOutput) *result {
	res := &result{out: out, name: displayName(out.Host)}
	// The views that show output once the host has finished keep it;
	// --inline-stdout shows no stderr.
	if r.o.inline || r.o.inlineOut || r.o.gather || r.o.json {
		res.stdout = newCapture(r.o.gather)
	}
	if r.o.inline || r.o.gather || r.o.json {
		res.stderr = newCapture(r.o.gather)
	}
	var wg sync.WaitGroup
	var errMu sync.Mutex
	for _, s := range []struct {
		stream *pssh.Stream
		dir    string
		keep   *capture
		dst    io.Writer
	}{
		{out.Stdout, r.o.outDir, res.stdout, r.p.stdout},
		{out.Stderr, r.o.errDir, res.stderr, r.p.stderr},
	} {
		wg.Go(func() {
			var file *os.File
			if s.dir != "" {
				f, err := createOutput(filepath.Join(s.dir, r.fileName(res.name, s.dir)))
				if err != nil {
					errMu.Lock()
					res.fileErr = err
					errMu.Unlock()
				} else {
					file = f
				}
			}
			var lp *linePrinter
			if r.o.print {
				lp = &linePrinter{p: r.p, w: s.dst, prefix: res.name + ": "}
			}
			buf := make([]byte, 32<<10)
			for {
				n, err := s.stream.Read(buf)
				if n > 0 {
					chunk := buf[:n]
					if file != nil {
						if _, werr := file.Write(chunk); werr != nil {
							errMu.Lock()
							res.fileErr = werr
							errMu.Unlock()
						}
					}
					if s.keep != nil {
						if kerr := s.keep.write(chunk); kerr != nil {
							errMu.Lock()
							res.keepErr = kerr
							errMu.Unlock()
						}
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
			if s.keep != nil {
				s.keep.close()
			}
			if file != nil {
				if err := file.Close(); err != nil {
					errMu.Lock()
					res.fileErr = err
					errMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	<-out.Done()
	res.outcome, res.text, res.kind = hostStatus(out)
	return res
}

// fileName returns the -o/-e file name for a host: its display name, made
// safe for a file name, with a suffix when the same host appears again.
func (r *reporter) fileName(name, dir string) string {
	base := safename.Host(name)
	r.filesMu.Lock()
	defer r.filesMu.Unlock()
	key := dir + "\x00" + base
	r.files[key]++
	if n := r.files[key]; n > 1 {
		return fmt.Sprintf("%s.%d", base, n)
	}
	return base
}

// maxPrintLine is the longest line -P holds back waiting for its end: a
// longer line is printed in pieces of this size, each on a line of its own
// with the host prefix, so that output without newlines takes bounded
// memory and is shown as it comes.
const maxPrintLine = 64 << 10

// linePrinter prints complete lines with a host prefix (-P).
type linePrinter struct {
	p       *printer
	w       io.Writer
	prefix  string
	partial []byte // the start of an unfinished line, at most maxPrintLine
	out     []byte // reused for what one write prints
}

func (l *linePrinter) write(b []byte) {
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

func (l *linePrinter) flush() {
	if len(l.partial) > 0 {
		l.out = l.out[:0]
		l.line(nil, true)
		l.p.write(l.w, l.out)
	}
}
