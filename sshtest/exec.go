package sshtest

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/childenv"
)

// command is a process started for an exec or shell request.
//
// Its process group is signalled by group ID, which is only safe while the
// group leader has not been reaped (afterwards its PID, and so the group ID,
// may be reused). So the leader is reaped only once nothing may signal the
// group any more, and the reaped flag guards every signal.
type command struct {
	sess  *session
	cmd   *exec.Cmd
	pid   int // also the process group ID
	isPTY bool
	// malformedExit reports the end as the MalformedExit fault does.
	malformedExit bool
	stdin         *os.File      // where client data goes: stdin pipe or pty master
	outputs       []output      // streams copied to the channel
	closers       []*os.File    // parent ends closed when the command is over
	copied        chan struct{} // one value per finished output copy

	mu     sync.Mutex
	reaped bool

	// replying is held while a signal request is answered, so that a
	// command the signal ends does not close the channel before the reply.
	replying sync.Mutex

	abortOnce sync.Once
	aborted   chan struct{} // closed when the channel or connection is gone
	done      chan struct{} // closed when the process is reaped and I/O is over
}

// errFinished is returned when signalling a command that has been reaped.
var errFinished = errors.New("sshtest: command has finished")

// output is one stream copied from the process to the channel.
type output struct {
	r *os.File
	w io.Writer
}

// Payloads of the requests reporting how a command ended (RFC 4254 6.10).
type (
	exitStatusMsg struct {
		Status uint32
	}
	exitSignalMsg struct {
		Signal     string
		CoreDumped bool
		Error      string
		Lang       string
	}
)

// startCommand starts Shell with args, wired to the session's channel or pty.
// f are the faults sampled for this command.
func (ss *session) startCommand(args []string, f Faults) (*command, error) {
	cfg := &ss.srv.cfg
	c := childenv.Command(cfg.Shell, args...)
	c.Dir = cfg.Dir
	c.Env = append(append(c.Env, cfg.Env...), ss.env...)
	cmd := &command{
		sess:          ss,
		cmd:           c,
		aborted:       make(chan struct{}),
		malformedExit: f.MalformedExit,
		done:          make(chan struct{}),
	}
	stdout := ss.outputWriter(ss.ch, f, cmd.aborted, true)

	var childEnds []*os.File
	if p := ss.pty; p != nil {
		c.Env = append(c.Env, "TERM="+p.term)
		c.Stdin, c.Stdout, c.Stderr = p.tty, p.tty, p.tty
		// Session leader with the pty as controlling terminal (fd 0).
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		childEnds = []*os.File{p.tty}
		cmd.isPTY = true
		cmd.stdin = p.master
		cmd.outputs = []output{{r: p.master, w: stdout}}
		cmd.closers = []*os.File{p.master}
	} else {
		files, err := pipes(3)
		if err != nil {
			return nil, err
		}
		stdinR, stdinW := files[0], files[1]
		stdoutR, stdoutW := files[2], files[3]
		stderrR, stderrW := files[4], files[5]
		c.Stdin, c.Stdout, c.Stderr = stdinR, stdoutW, stderrW
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		childEnds = []*os.File{stdinR, stdoutW, stderrW}
		cmd.stdin = stdinW
		stderr := ss.outputWriter(ss.ch.Stderr(), f, cmd.aborted, false)
		cmd.outputs = []output{{r: stdoutR, w: stdout}, {r: stderrR, w: stderr}}
		cmd.closers = []*os.File{stdinW, stdoutR, stderrR}
	}
	err := c.Start()
	if err != nil {
		if !cmd.isPTY { // the pty stays with the session, which closes it
			closeAll(childEnds)
			closeAll(cmd.closers)
		}
		return nil, err
	}
	closeAll(childEnds)
	cmd.pid = c.Process.Pid
	cmd.copied = make(chan struct{}, len(cmd.outputs))
	return cmd, nil
}

// pipes returns n pipes as read, write, read, write, ...
func pipes(n int) ([]*os.File, error) {
	var files []*os.File
	for range n {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(files)
			return nil, err
		}
		files = append(files, r, w)
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// run starts the goroutines copying I/O and waiting for the process.
func (cmd *command) run() {
	wg := &cmd.sess.srv.wg
	wg.Add(2 + len(cmd.outputs))
	go func() {
		defer wg.Done()
		cmd.copyStdin()
	}()
	for _, o := range cmd.outputs {
		go func() {
			defer wg.Done()
			io.Copy(o.w, o.r)
			cmd.copied <- struct{}{}
		}()
	}
	go func() {
		defer wg.Done()
		cmd.wait()
	}()
}

// copyStdin copies client data to the process until the client sends EOF or
// the channel closes. EOF closes a pipe stdin; a pty is left open.
func (cmd *command) copyStdin() {
	_, err := io.Copy(cmd.stdin, cmd.sess.ch)
	if !cmd.isPTY {
		cmd.stdin.Close()
	}
	if err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, syscall.EPIPE) {
		cmd.sess.logf("stdin: %v", err)
	}
}

// wait waits for the process to exit and its output to be copied, reaps it,
// and reports how it ended, unless the session was aborted.
func (cmd *command) wait() {
	defer close(cmd.done)
	remaining := len(cmd.outputs)
	drain := func() {
		for remaining > 0 {
			select {
			case <-cmd.copied:
				remaining--
			case <-cmd.aborted:
				return
			}
		}
	}
	if waitExit(cmd.pid) {
		// The leader has exited but is not reaped: the group ID is still
		// ours. Copy its output (which may still be written by other
		// processes of the group), then kill those leftovers and reap.
		drain()
		cmd.killGroup()
		cmd.setReaped()
		cmd.cmd.Wait()
	} else {
		cmd.cmd.Wait()
		cmd.setReaped()
		drain()
	}
	// Output is complete, or the session was aborted: stop the copies.
	closeAll(cmd.closers)
	for ; remaining > 0; remaining-- {
		<-cmd.copied
	}
	select {
	case <-cmd.aborted:
		return
	default:
	}
	cmd.report()
}

// report sends exit-status or exit-signal, EOF, and closes the channel
// (with the MalformedExit fault: a malformed exit-status, and the channel
// left open).
func (cmd *command) report() {
	ch := cmd.sess.ch
	if cmd.malformedExit {
		cmd.sess.malformedExit()
		return
	}
	if ps := cmd.cmd.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			name := signalName(ws.Signal())
			cmd.sess.logf("pid %d killed by signal %s", cmd.pid, name)
			ch.SendRequest("exit-signal", false, ssh.Marshal(exitSignalMsg{Signal: name, CoreDumped: ws.CoreDump()}))
		} else {
			cmd.sess.logf("pid %d exited with status %d", cmd.pid, ps.ExitCode())
			ch.SendRequest("exit-status", false, ssh.Marshal(exitStatusMsg{Status: uint32(ps.ExitCode())}))
		}
	}
	cmd.replying.Lock()
	defer cmd.replying.Unlock()
	ch.CloseWrite()
	ch.Close()
}

// signal sends sig to the command's process group, unless it is over.
func (cmd *command) signal(sig syscall.Signal) error {
	cmd.mu.Lock()
	defer cmd.mu.Unlock()
	if cmd.reaped {
		return errFinished
	}
	return syscall.Kill(-cmd.pid, sig)
}

// killGroup kills every process left in the command's process group.
func (cmd *command) killGroup() {
	err := cmd.signal(syscall.SIGKILL)
	if err != nil && err != errFinished && !errors.Is(err, syscall.ESRCH) {
		cmd.sess.logf("killing process group %d: %v", cmd.pid, err)
	}
}

func (cmd *command) setReaped() {
	cmd.mu.Lock()
	cmd.reaped = true
	cmd.mu.Unlock()
}

// abort kills the command because its channel or connection is gone.
func (cmd *command) abort() {
	cmd.abortOnce.Do(func() { close(cmd.aborted) })
	cmd.killGroup()
}
