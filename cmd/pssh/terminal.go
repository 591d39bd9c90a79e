package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/gopssh/pssh/internal/escape"
)

// printer serialises everything pssh writes, and keeps a progress line at
// the bottom of stderr on a terminal.
type printer struct {
	mu       sync.Mutex
	stdout   io.Writer
	stderr   io.Writer
	colour   bool // colour on stdout
	progress bool // progress line on stderr
	// escOut and escErr: the hosts' output is escaped on its way to
	// stdout, stderr (see escapes).
	escOut, escErr bool
	line           string
	shown          bool
	width          func() int // of the terminal the progress line is on; nil or 0: unknown
}

// newPrinter returns the printer for the streams: colour on a terminal
// stdout, the progress line on a terminal stderr, unless NO_COLOR is set;
// the hosts' output escaped on whichever of the two is a terminal.
func newPrinter(s *ioStreams) *printer {
	return &printer{stdout: s.Out, stderr: s.ErrOut, colour: s.colourOut(), progress: s.fancyErr(),
		escOut: s.stdoutTTY, escErr: s.stderrTTY, width: s.errWidth}
}

// escapes reports whether the hosts' output is escaped on its way to w,
// stdout or stderr: when w is a terminal, unless --raw. (pssh's own lines
// quote what a server chose escaped everywhere: see shown.)
func (p *printer) escapes(w io.Writer) bool {
	if w == p.stdout {
		return p.escOut
	}
	return p.escErr
}

// shown is a name or a text that pssh's own lines quote (a host name, a
// failure's text, an error), escaped whatever the streams are: a server's
// newline or escape sequence in it can neither add a line nor act on the
// terminal. Failure texts are bounded besides: see statusText.
func shown(s string) string { return escape.Line(s, 0) }

// maxStatusText bounds a failure's text in a status line, in -b's failure
// lines, ...: a server's signal name or error message, however long, is
// quoted there at most this long (-v shows the library's whole error,
// itself bounded).
const maxStatusText = 400

// statusText is a failure's text as pssh's lines show it: escaped and
// bounded.
func statusText(s string) string { return escape.Line(s, maxStatusText) }

// write writes p to w (stdout or stderr) below the progress line.
func (p *printer) write(w io.Writer, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	w.Write(b)
	p.drawLocked()
}

// writeWith lets f write to w (stdout or stderr) below the progress line,
// nothing else writing meanwhile: for output too big to build in memory
// first. Its write error is f's.
func (p *printer) writeWith(w io.Writer, f func(io.Writer) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	f(w)
	p.drawLocked()
}

func (p *printer) out(format string, args ...any) {
	p.write(p.stdout, fmt.Appendf(nil, format, args...))
}

func (p *printer) errf(format string, args ...any) {
	p.write(p.stderr, fmt.Appendf(nil, format, args...))
}

// setProgress replaces the progress line.
func (p *printer) setProgress(s string) {
	if !p.progress {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.line = s
	p.drawLocked()
}

// endProgress removes the progress line for good.
func (p *printer) endProgress() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.line = ""
}

func (p *printer) clearLocked() {
	if p.shown {
		io.WriteString(p.stderr, "\r\033[K")
		p.shown = false
	}
}

func (p *printer) drawLocked() {
	if p.progress && p.line != "" {
		io.WriteString(p.stderr, fitWidth(p.line, p.width))
		p.shown = true
	}
}

const (
	green = "\033[32m"
	red   = "\033[31m"
	reset = "\033[0m"
)

// paint colours s when colour is on.
func (p *printer) paint(colour, s string) string {
	if !p.colour {
		return s
	}
	return colour + s + reset
}

// fitWidth cuts the progress line s to the terminal's width less one
// column, so that it never wraps (a wrapped line would not be erased
// whole). s is ASCII.
func fitWidth(s string, width func() int) string {
	if width == nil {
		return s
	}
	if w := width(); w > 1 && len(s) > w-1 {
		return s[:w-1]
	}
	return s
}

// progressText is the live line: done, failed, running, elapsed.
func progressText(done, failed, total int, elapsed time.Duration) string {
	return fmt.Sprintf("[pssh] %d/%d done, %d failed, %d running, %s elapsed", done, total, failed, total-done, elapsed.Round(100*time.Millisecond))
}

// readPassword asks for a password on the terminal, without echo.
func readPassword(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("-A needs a terminal to ask for the password: %w", err)
	}
	defer tty.Close()
	// Turn echo off before the prompt shows: a person (or a script) typing
	// as soon as it appears must not see the password echoed.
	if restore, err := noEcho(int(tty.Fd())); err == nil {
		defer restore()
	}
	fmt.Fprint(tty, prompt)
	pw, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(pw), nil
}
