package pssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/spool"
)

// HostOutput is one host's part of a Run (parallel-ssh's HostOutput).
//
// Its streams fill while the command runs. The exit code is there once the
// command has ended: after Wait, after Join, or as soon as Stdout and Stderr
// have been read to their end.
type HostOutput struct {
	Host    string // the host as given in the host list
	Alias   string // HostConfig.Alias, if any
	Label   string // the host as outputs show it, distinct within the client (see Client.HostLabels)
	Index   int    // position in the host list (Client.Hosts)
	User    string // remote user logged in as
	Addr    string // host:port connected to
	Command string // the exact command sent to the host

	Stdout *Stream // the command's standard output (with UsePTY: all output)
	Stderr *Stream // the command's standard error (empty with UsePTY)
	// Stdin writes to the command's standard input; Close sends EOF. It
	// stays open until closed, so a command that reads its input waits for
	// it. Nil for a host that failed before its command started; in a
	// rollout (RunOptions.Rollout) never nil: writes wait until the host
	// starts, and fail with ErrNotRunning if it never does.
	Stdin io.WriteCloser

	done chan struct{}
	// scheduled, for a host of a rollout, closes once the end of its
	// batch was reported (Rollout.OnBatch returned), or once the rollout
	// stopped before it; Join waits for it too. Nil otherwise.
	scheduled <-chan struct{}

	mu         sync.Mutex
	err        error
	startError error // the error that kept the command from starting
	exitCode   int
	hasCode    bool
	signal     string
	start      time.Time
	end        time.Time

	// session is the running command's session, nil before it started and
	// once it ended; pty tells whether it has a PTY.
	session        *session
	pty            bool
	requestTimeout time.Duration // how long Signal and Resize wait for a reply
	onDone         []func()      // called once done is closed (see notifyDone)
	finishing      bool          // finish was called
	finished       bool          // done is closed
}

// newHostOutput returns the output of a host about to run command, whose
// streams are spooled as sopt says.
func newHostOutput(h *host, command string, sopt spool.Options, readTimeout time.Duration, log *hostLog) *HostOutput {
	return &HostOutput{
		Host:    h.name,
		Alias:   h.alias,
		Label:   h.label,
		Index:   h.index,
		User:    h.user,
		Addr:    h.addr,
		Command: command,
		Stdout:  newStream(h.name, "stdout", spool.New(sopt), readTimeout, log),
		Stderr:  newStream(h.name, "stderr", spool.New(sopt), readTimeout, log),
		done:    make(chan struct{}),
	}
}

// Err returns the host's error: why it could not connect or run the command,
// or why the command did not end cleanly (connection lost, cancelled). It is
// nil when the command ran and reported an exit status, whatever the status.
// Errors are of the types in this package (ConnectionError,
// AuthenticationError, TimeoutError, ...), each naming the host.
func (o *HostOutput) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// ExitCode returns the command's exit status and true once the command has
// ended and the server reported one; false while it runs, if the host failed
// before reporting one, or if the command was killed by a signal (see
// ExitSignal).
func (o *HostOutput) ExitCode() (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.exitCode, o.hasCode
}

// ExitSignal returns the name of the signal that killed the command, without
// "SIG" (e.g. "TERM", "KILL"), or "" if it was not killed. The name is the
// server's, as it sent it: it may hold anything, newlines and escape
// sequences included, so escape it before showing it.
func (o *HostOutput) ExitSignal() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.signal
}

// Times returns when the command started (or the host's connection was
// attempted) and when it ended; end is zero while it runs.
func (o *HostOutput) Times() (start, end time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.start, o.end
}

// Done returns a channel closed when the host is finished: its command
// ended, or it failed.
func (o *HostOutput) Done() <-chan struct{} { return o.done }

// Wait waits until the host is finished, or ctx ends, and returns Err (or
// ctx's error). A non-zero exit status is not an error: see ExitCode.
// Output that is not read is kept, so Wait never needs the caller to read.
func (o *HostOutput) Wait(ctx context.Context) error {
	select {
	case <-o.done:
		return o.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Signal sends sig (e.g. ssh.SIGTERM; a "SIG" prefix is dropped) to the
// host's running command, and returns once the server accepted it. If the
// signal ends the command, ExitSignal then tells which signal it was.
//
// The error is a *RequestError naming the host: ErrNotRunning when the
// command ended or never started, ErrRequestRefused when the server refused
// (OpenSSH refuses signals on sessions of root logins: log in as another
// user, or send a kill command), ErrNoReply, or the session's error.
// OpenSSH also refuses a signal that comes before the command's process has
// started, which it may not have when Run returns: a caller that must not
// miss can wait for the command's first output, or retry.
func (o *HostOutput) Signal(sig ssh.Signal) error {
	name := strings.TrimPrefix(string(sig), "SIG")
	return o.request("signal "+name, "signal", ssh.Marshal(struct{ Signal string }{name}), false)
}

// Resize changes the size, in characters, of the pseudo-terminal of a
// command run with RunOptions.UsePTY (a "window-change" request; the remote
// command gets SIGWINCH). The errors are those of Signal, and ErrNoPTY for a
// run without a PTY.
func (o *HostOutput) Resize(width, height int) error {
	op := fmt.Sprintf("window-change %dx%d", width, height)
	if width <= 0 || height <= 0 || int64(width) > math.MaxUint32 || int64(height) > math.MaxUint32 {
		return &RequestError{Host: o.Host, Request: op, Err: errors.New("invalid terminal size")}
	}
	payload := ssh.Marshal(struct{ Columns, Rows, Width, Height uint32 }{uint32(width), uint32(height), 0, 0})
	return o.request(op, "window-change", payload, true)
}

// request sends a session request on the running command's session and
// waits for the server's answer, at most requestTimeout.
func (o *HostOutput) request(op, name string, payload []byte, needPTY bool) error {
	o.mu.Lock()
	sess, pty, timeout := o.session, o.pty, o.requestTimeout
	o.mu.Unlock()
	fail := func(err error) error { return &RequestError{Host: o.Host, Request: op, Err: err} }
	switch {
	case sess == nil:
		return fail(ErrNotRunning)
	case needPTY && !pty:
		return fail(ErrNoPTY)
	}
	type reply struct {
		ok  bool
		err error
	}
	replied := make(chan reply, 1)
	go func() {
		ok, err := sess.ch.SendRequest(name, true, payload)
		replied <- reply{ok, err}
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case r := <-replied:
		switch {
		case r.err != nil && errors.Is(r.err, io.EOF):
			return fail(ErrNotRunning) // the session ended before the server replied
		case r.err != nil:
			return fail(r.err)
		case !r.ok:
			return fail(ErrRequestRefused)
		}
		return nil
	case <-expired:
		return fail(ErrNoReply)
	}
}

// startFailed finishes a host that never started its command.
func (o *HostOutput) startFailed(err error) {
	o.mu.Lock()
	o.err = err
	o.startError = err
	o.end = time.Now()
	o.mu.Unlock()
	o.Stdout.buf.CloseWithError(nil)
	o.Stderr.buf.CloseWithError(nil)
	if late, ok := o.Stdin.(*lateStdin); ok {
		late.attach(nil)
	}
	o.closeDone()
}

// finish records how the command ended (waitErr is session.wait's), then
// ends the streams, so that a reader who reached the end of both finds the
// exit code set. Only its first call counts: an interrupted host may be
// finished before its session ends.
func (o *HostOutput) finish(waitErr, hostErr error) {
	o.mu.Lock()
	if o.finishing {
		o.mu.Unlock()
		return
	}
	o.finishing = true
	if o.err == nil {
		o.err = hostErr
	}
	var exit *exitError
	switch {
	case waitErr == nil:
		o.hasCode = true
	case errors.As(waitErr, &exit):
		if exit.signal != "" {
			o.signal = exit.signal
		} else {
			o.exitCode, o.hasCode = exit.status, true
		}
	}
	o.end = time.Now()
	o.session = nil
	streamErr := o.err
	o.mu.Unlock()
	o.Stdout.buf.CloseWithError(streamErr)
	o.Stderr.buf.CloseWithError(streamErr)
	o.closeDone()
}

// setErr records err unless the host already has an error.
func (o *HostOutput) setErr(err error) {
	o.mu.Lock()
	if o.err == nil {
		o.err = err
	}
	o.mu.Unlock()
}

// startErr returns the error that kept the command from starting, if any.
func (o *HostOutput) startErr() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.startError
}

// closeDone marks the host finished: done closes, then the notifyDone
// functions run.
func (o *HostOutput) closeDone() {
	o.mu.Lock()
	o.finished = true
	fns := o.onDone
	o.onDone = nil
	o.mu.Unlock()
	close(o.done)
	for _, f := range fns {
		f()
	}
}

// notifyDone calls f once the host is finished: at once if it is already.
// f must not block.
func (o *HostOutput) notifyDone(f func()) {
	o.mu.Lock()
	if !o.finished {
		o.onDone = append(o.onDone, f)
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	f()
}
