package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ioStreams are pssh's standard input, output and error, and whether each
// is a terminal. systemStreams detects that from the files; tests set the
// fields to see what a person at a terminal would, without one.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool   // NO_COLOR is set: no colour, progress line or summary
	color     string // --color: "auto" (or ""), "always", "never"
	// errWidth is the width of the terminal on stderr, 0 if unknown.
	errWidth func() int
	// getenv reads pssh's environment (defaults of flags, see
	// applyDefaults); nil reads none.
	getenv func(string) string
}

// systemStreams returns the streams with their terminals detected, and
// NO_COLOR read from the environment.
func systemStreams(in io.Reader, out, errOut io.Writer) *ioStreams {
	return &ioStreams{
		In: in, Out: out, ErrOut: errOut,
		stdinTTY:  isTerminal(in),
		stdoutTTY: isTerminal(out),
		stderrTTY: isTerminal(errOut),
		noColor:   os.Getenv("NO_COLOR") != "",
		errWidth:  func() int { return terminalWidth(errOut) },
		getenv:    os.Getenv,
	}
}

// terminalWidth is the width of the terminal f is, or 0.
func terminalWidth(f any) int {
	file, ok := f.(*os.File)
	if !ok {
		return 0
	}
	w, _, err := term.GetSize(int(file.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// colourOut reports whether statuses on standard output are coloured: a
// terminal, and NO_COLOR unset; or --color always.
func (s *ioStreams) colourOut() bool {
	switch s.color {
	case "always":
		return true
	case "never":
		return false
	}
	return s.stdoutTTY && !s.noColor
}

// fancyErr reports whether standard error gets the progress line and the
// summary, coloured: a terminal, and NO_COLOR unset (or --color always);
// never with --color never.
func (s *ioStreams) fancyErr() bool {
	switch s.color {
	case "always":
		return s.stderrTTY
	case "never":
		return false
	}
	return s.stderrTTY && !s.noColor
}
