package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// errStdoutClosed interrupts a run whose standard output was closed (the
// "head" of "pssh ... | head -1" has exited): what pssh prints has nowhere
// to go, so the remote commands are stopped rather than left running.
var errStdoutClosed = errors.New("standard output closed (broken pipe)")

// signalError is the cause of a run interrupted by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + signalName(e.sig) }

// signalName is a signal's conventional name, e.g. "SIGTERM".
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// interruptSignals are the signals that stop a run as Ctrl-C does: SIGTERM
// (kill, systemd, timeout(1)) and SIGHUP (the terminal, or the SSH session
// to the machine pssh runs on, went away).
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// brokenPipes makes pssh survive writing to a closed pipe, once.
var brokenPipes sync.Once

// interruptible returns a context that the first Ctrl-C (unless
// keepCtrlC: the caller catches it itself), SIGTERM or SIGHUP ends, its cause a *signalError naming the signal, so that the run stops
// cleanly (the remote commands are stopped, what they sent is kept); a
// second one kills pssh at once. Calling stop ends it too, with stop's
// cause, and stops catching the signals. A signal ignored when pssh started
// (SIGINT in a background job of a script, SIGHUP under nohup) stays
// ignored.
//
// From then on, a write to a closed standard output or error fails with
// EPIPE instead of killing pssh with SIGPIPE (see watchClosed).
func interruptible(keepCtrlC bool) (ctx context.Context, stop context.CancelCauseFunc) {
	brokenPipes.Do(func() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) })
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	for _, sig := range interruptSignals {
		if keepCtrlC && sig == os.Interrupt {
			continue
		}
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	go func() {
		select {
		case sig := <-sigs:
			cancel(&signalError{sig})
		case <-ctx.Done():
		}
		signal.Stop(sigs) // a second signal kills
	}()
	return ctx, cancel
}

// interruptedText is the line that says why a run was interrupted.
func interruptedText(ctx context.Context) string {
	cause := context.Cause(ctx)
	var se *signalError
	switch {
	case errors.As(cause, &se):
		return "pssh: " + se.Error()
	case errors.Is(cause, errStdoutClosed):
		return "pssh: interrupted: " + cause.Error() + "; the remote commands were stopped"
	}
	return "pssh: interrupted"
}

// watchClosed returns w, calling closed once when a write to it fails
// because its reader is gone (EPIPE).
func watchClosed(w io.Writer, closed func()) io.Writer {
	return &closedWatcher{w: w, closed: closed}
}

type closedWatcher struct {
	w      io.Writer
	once   sync.Once
	closed func()
}

func (c *closedWatcher) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		c.once.Do(c.closed)
	}
	return n, err
}
