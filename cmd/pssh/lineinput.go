package main

import (
	"bufio"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// lineReader reads the lines of interactive mode.
type lineReader interface {
	// readLine returns the next line, without its newline; io.EOF at the
	// end (Ctrl-D).
	readLine(prompt string) (string, error)
	// close gives the terminal back as it was.
	close()
}

// newLineReader reads lines with editing and history (x/term's Terminal)
// when standard input and output are a terminal, else plainly.
func newLineReader(ios *ioStreams) lineReader {
	in, inOK := ios.In.(*os.File)
	if ios.stdinTTY && ios.stdoutTTY && inOK {
		fd := int(in.Fd())
		if state, err := term.GetState(fd); err == nil {
			rw := struct {
				io.Reader
				io.Writer
			}{ctrlCReader{in}, ios.Out}
			return &termReader{fd: fd, orig: state, t: term.NewTerminal(rw, "")}
		}
	}
	return &plainReader{r: bufio.NewReader(ios.In)}
}

// termReader reads lines on a terminal: raw while a line is read, as it
// was while the line runs (so that Ctrl-C is a signal then).
type termReader struct {
	fd   int
	orig *term.State
	t    *term.Terminal
	once sync.Once
}

func (r *termReader) readLine(prompt string) (string, error) {
	if _, err := term.MakeRaw(r.fd); err != nil {
		return "", err
	}
	defer term.Restore(r.fd, r.orig)
	if w, h, err := term.GetSize(r.fd); err == nil {
		r.t.SetSize(w, h)
	}
	r.t.SetPrompt(prompt)
	return r.t.ReadLine()
}

func (r *termReader) close() { r.once.Do(func() { term.Restore(r.fd, r.orig) }) }

// ctrlCReader is the terminal's input at the prompt, Ctrl-C made
// Ctrl-A Ctrl-K: the line is cleared, as shells do (x/term's Terminal
// would end the input).
type ctrlCReader struct{ r io.Reader }

func (c ctrlCReader) Read(p []byte) (int, error) {
	// Each ^C becomes two bytes: read at most half of p.
	n, err := c.r.Read(p[:max(1, len(p)/2)])
	if !strings.ContainsRune(string(p[:n]), 3) {
		return n, err
	}
	out := make([]byte, 0, 2*n)
	for _, b := range p[:n] {
		if b == 3 {
			out = append(out, 1, 11) // ^A: to the start; ^K: erase to the end
			continue
		}
		out = append(out, b)
	}
	return copy(p, out), err
}

// plainReader reads lines from a pipe or a file, without a prompt.
type plainReader struct{ r *bufio.Reader }

func (r *plainReader) readLine(string) (string, error) {
	line, err := r.r.ReadString('\n')
	if err == io.EOF && line != "" {
		return line, nil
	}
	return strings.TrimSuffix(line, "\n"), err
}

func (r *plainReader) close() {}
