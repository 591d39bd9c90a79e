package sshtest

import (
	"golang.org/x/crypto/ssh"
)

// session is one "session" channel. Its fields are only used by the
// goroutine running serve, except cmd's own synchronised state.
type session struct {
	srv  *Server
	conn *serverConn
	ch   ssh.Channel
	env  []string    // NAME=value pairs sent by the client
	pty  *ptyState   // non-nil after a successful pty-req
	cmd  *command    // non-nil once a command has started
	run  *handlerRun // non-nil once Config.Handler runs the command
	// requested is set by the first exec, shell or subsystem request.
	requested bool
	// sftpDone, once an sftp subsystem runs, is closed when it has ended.
	sftpDone chan struct{}
}

// Payloads of session requests (RFC 4254 section 6).
type (
	envRequest struct {
		Name  string
		Value string
	}
	execRequest struct {
		Command string
	}
	signalRequest struct {
		Signal string
	}
)

// serve handles the channel's requests until the channel is closed (by the
// client, by the command finishing or by the connection going away), then
// kills whatever is still running and waits for it.
func (ss *session) serve(reqs <-chan *ssh.Request) {
	defer ss.cleanup()
	for req := range reqs {
		ss.handle(req)
	}
}

// cleanup runs once the channel is closed.
func (ss *session) cleanup() {
	if ss.run != nil {
		ss.run.stop()
	} else if ss.cmd != nil {
		ss.cmd.abort()
		<-ss.cmd.done
	} else if ss.sftpDone != nil {
		ss.ch.Close()
		<-ss.sftpDone
	} else if ss.pty != nil {
		ss.pty.close()
	}
	ss.ch.Close()
}

// handle answers one request.
func (ss *session) handle(req *ssh.Request) {
	switch req.Type {
	case "env":
		var msg envRequest
		ok := ssh.Unmarshal(req.Payload, &msg) == nil && !ss.requested
		if ok {
			ss.env = append(ss.env, msg.Name+"="+msg.Value)
			ss.logf("env %s", msg.Name)
		}
		req.Reply(ok, nil)
	case "pty-req":
		req.Reply(ss.requestPTY(req.Payload), nil)
	case "window-change":
		req.Reply(ss.windowChange(req.Payload), nil)
	case "exec":
		var msg execRequest
		if err := ssh.Unmarshal(req.Payload, &msg); err != nil {
			req.Reply(false, nil)
			return
		}
		ss.start(req, &msg.Command)
	case "shell":
		ss.start(req, nil)
	case "subsystem":
		ss.startSubsystem(req)
	case "signal":
		var msg signalRequest
		ok := ssh.Unmarshal(req.Payload, &msg) == nil && (ss.cmd != nil || ss.run != nil)
		if !ok {
			req.Reply(false, nil)
			return
		}
		if ss.run != nil {
			ss.logf("signal %s: %v", msg.Signal, ss.run.signal(req, msg.Signal))
			return
		}
		ss.cmd.replying.Lock()
		defer ss.cmd.replying.Unlock()
		sig, known := signalByName(msg.Signal)
		ok = known && ss.cmd.signal(sig) == nil
		ss.logf("signal %s: %v", msg.Signal, ok)
		req.Reply(ok, nil)
	default:
		// Anything else is not supported.
		ss.logf("unsupported request %q", req.Type)
		req.Reply(false, nil)
	}
}

// start handles an exec request for command, or a shell request (command
// nil): Config.Handler is called, or else Shell is run.
func (ss *session) start(req *ssh.Request, command *string) {
	ss.srv.sessions.Add(1)
	f := ss.srv.Faults()
	if f.HangExec {
		ss.logf("%s request held unanswered (HangExec fault)", req.Type)
		return
	}
	if ss.requested {
		req.Reply(false, nil)
		return
	}
	ss.requested = true
	if f.ExecDelay > 0 && !ss.srv.sleep(f.ExecDelay, ss.conn.done) {
		req.Reply(false, nil)
		return
	}
	if h := ss.srv.cfg.Handler; h != nil {
		ss.startHandler(req, h, command, f)
		return
	}
	var args []string
	if command != nil {
		args = []string{"-c", *command}
	}
	cmd, err := ss.startCommand(args, f)
	if err != nil {
		ss.logf("%s: %v", req.Type, err)
		req.Reply(false, nil)
		return
	}
	ss.cmd = cmd
	ss.logf("%s %q started, pid %d", req.Type, args, cmd.pid)
	req.Reply(true, nil)
	cmd.run()
}

// logf logs with the client's address as prefix.
func (ss *session) logf(format string, args ...any) {
	if ss.srv.cfg.Logf == nil {
		return // silent: build nothing, as fleets of thousands log nothing
	}
	ss.srv.logf("%s: "+format, append([]any{ss.conn.conn.RemoteAddr()}, args...)...)
}
