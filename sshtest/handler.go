package sshtest

import (
	"context"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// A Handler runs commands in-process instead of Config.Shell, as an
// http.Handler answers requests for net/http/httptest: it is called once
// per exec or shell request, in its own goroutine, with the command and its
// I/O in e, and returns how the command ended, which the server reports to
// the client before closing the channel.
//
// ctx ends when the command's channel is closed by the client, when the
// connection is lost or dropped, or when the server is closed; the handler
// must then return soon (writes to e.Stdout and e.Stderr fail from then on,
// and e.Stdin reads EOF). What it returns then is not reported, as no one
// is left to receive it.
//
// No process is started and the handler's output goes straight to the
// channel (no pipes, no copying goroutines), so that a fleet of thousands
// of servers answering a fixed string costs little. See [Output], [Repeat]
// and [Hang] for ready-made handlers.
type Handler func(ctx context.Context, e *Exec) Exit

// Exec is one command run by a [Handler].
type Exec struct {
	// Command is the command line of an exec request, as the client sent
	// it; empty for a shell request.
	Command string
	// Shell is true for a shell request (a login shell, no command).
	Shell bool
	// User is the user name the client logged in with.
	User string
	// Env holds Config.Env followed by the variables the client sent, as
	// "NAME=value". The test process's own environment is not included.
	Env []string
	// PTY is the pseudo-terminal the client requested, or nil. No real
	// terminal is allocated for a handler: there is no line discipline,
	// and Stderr writes to the channel's standard output, as on a terminal.
	PTY *PTY

	// Stdin reads the data the client sends, then io.EOF once the client
	// sent EOF or the channel closed.
	Stdin io.Reader
	// Stdout and Stderr write to the client's standard output and error,
	// subject to the server's Faults (SlowOutput, DropAfter). Writes block
	// while the client's window is full, which is how a client that does
	// not read holds the command back.
	Stdout, Stderr io.Writer

	// Signals receives the name of each signal the client sends (RFC 4254
	// section 6.9), without "SIG", for example "TERM". A signal request is
	// refused when the handler has not taken the previous ones (the channel
	// buffers a few). Signals do not end ctx: a handler that should die by
	// a signal returns Exit{Signal: name}; one that ignores them, as a
	// process stuck in the kernel would, does not receive from Signals.
	Signals <-chan string
}

// PTY describes the pseudo-terminal a client requested for a command run
// by a [Handler].
type PTY struct {
	Term          string // the TERM the client asked for, e.g. "xterm"
	Columns, Rows int    // the size requested, in characters
}

// Exit is how a command run by a [Handler] ended: an exit status, or, if
// Signal is set, death by that signal.
type Exit struct {
	// Code is the exit status reported when Signal is empty (an
	// "exit-status" request). It is sent modulo 2^32, as an unsigned 32-bit
	// number.
	Code int
	// Signal, if not empty, is reported as the signal that killed the
	// command (an "exit-signal" request), without "SIG", for example
	// "KILL" or "SEGV". Code is then ignored.
	Signal string
}

// signalBuffer is how many signals a handler may leave unreceived before
// further signal requests are refused.
const signalBuffer = 8

// handlerRun is a command run by Config.Handler.
type handlerRun struct {
	cancel  context.CancelFunc
	signals chan string
	// malformedExit reports the end as the MalformedExit fault does.
	malformedExit bool
	done          chan struct{} // closed when the handler has returned and its exit is reported

	// replying is held while a signal request is answered, so that a
	// handler the signal ends does not close the channel before the reply.
	replying sync.Mutex
}

// startHandler answers an exec (command non-nil) or shell request with
// Config.Handler. f are the faults sampled for this request.
func (ss *session) startHandler(req *ssh.Request, h Handler, command *string, f Faults) {
	ctx, cancel := context.WithCancel(context.Background())
	run := &handlerRun{cancel: cancel, signals: make(chan string, signalBuffer), done: make(chan struct{}), malformedExit: f.MalformedExit}
	e := &Exec{
		User:    ss.conn.conn.User(),
		Env:     append(ss.srv.cfg.Env[:len(ss.srv.cfg.Env):len(ss.srv.cfg.Env)], ss.env...),
		Stdin:   ss.ch,
		Signals: run.signals,
	}
	if command != nil {
		e.Command = *command
	} else {
		e.Shell = true
	}
	e.Stdout = ss.outputWriter(ss.ch, f, ctx.Done(), true)
	if p := ss.pty; p != nil {
		e.PTY = &PTY{Term: p.term, Columns: p.columns, Rows: p.rows}
		e.Stderr = e.Stdout
	} else {
		e.Stderr = ss.outputWriter(ss.ch.Stderr(), f, ctx.Done(), false)
	}
	ss.run = run
	req.Reply(true, nil)
	ss.srv.wg.Add(1)
	go func() {
		defer ss.srv.wg.Done()
		defer close(run.done)
		exit := h(ctx, e)
		if ctx.Err() != nil {
			return // the channel is gone: no one to tell
		}
		run.report(ss, exit)
	}()
}

// report sends the handler's exit, EOF, and closes the channel (with the
// MalformedExit fault: a malformed exit-status, and the channel left open).
func (run *handlerRun) report(ss *session, exit Exit) {
	ch := ss.ch
	if run.malformedExit {
		ss.malformedExit()
		return
	}
	if exit.Signal != "" {
		name := strings.TrimPrefix(exit.Signal, "SIG")
		ss.logf("handler ended by signal %s", name)
		ch.SendRequest("exit-signal", false, ssh.Marshal(exitSignalMsg{Signal: name}))
	} else {
		ss.logf("handler exited with status %d", exit.Code)
		ch.SendRequest("exit-status", false, ssh.Marshal(exitStatusMsg{Status: uint32(exit.Code)}))
	}
	run.replying.Lock()
	defer run.replying.Unlock()
	ch.CloseWrite()
	ch.Close()
}

// signal hands a signal request's signal to the handler and answers the
// request: refused if the handler's signal buffer is full.
func (run *handlerRun) signal(req *ssh.Request, name string) bool {
	run.replying.Lock()
	defer run.replying.Unlock()
	var ok bool
	select {
	case run.signals <- strings.TrimPrefix(name, "SIG"):
		ok = true
	default:
	}
	req.Reply(ok, nil)
	return ok
}

// stop ends the handler's context and waits until it has returned.
func (run *handlerRun) stop() {
	run.cancel()
	<-run.done
}
