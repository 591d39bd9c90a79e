package pssh

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// session is one "session" channel (RFC 4254 section 6) running a command,
// a shell or a subsystem: its input, its output and how it ended.
//
// It stands in for golang.org/x/crypto/ssh's Session, whose Wait stops
// reading the channel's requests at a malformed exit-status: the
// connection's packet loop then blocks, for ever, on the requests the
// server sends next, and with it every session of the connection, even
// once the connection is closed. A session reads its channel's requests
// until the channel closes, whatever they hold, so that closing the
// session or its connection always ends it.
type session struct {
	ch ssh.Channel

	// Where start copies the command's standard output and error, set
	// before it: a nil toStdout is left for the caller to read (see
	// stdout), a nil toStderr is discarded.
	toStdout, toStderr io.Writer

	// ended is closed once the channel is closed and its requests read;
	// end is then how the command ended.
	ended chan struct{}
	end   exitReport

	copies  sync.WaitGroup // the output copies started by start
	copyMu  sync.Mutex
	copyErr error // the first copy's error
}

// exitReport is what a server said of the end of a session's command
// (RFC 4254 section 6.10).
type exitReport struct {
	status    int
	hasStatus bool   // an exit-status request came
	signal    string // from an exit-signal request, without "SIG"
	malformed error  // an exit request that could not be read
}

// exitError is a command's end other than exit status 0.
type exitError struct {
	status int
	signal string // the signal that killed the command; status is then unset
}

func (e *exitError) Error() string {
	if e.signal != "" {
		return "killed by signal " + e.signal
	}
	return fmt.Sprintf("exited with status %d", e.status)
}

// errNoExit is the end of a command whose server reported neither an exit
// status nor a signal.
var errNoExit = errors.New("the command ended without an exit status or signal")

// newSession opens a session channel on client.
func newSession(client *ssh.Client) (*session, error) {
	ch, reqs, err := client.OpenChannel("session", nil)
	if err != nil {
		return nil, err
	}
	s := &session{ch: ch, ended: make(chan struct{})}
	go s.serve(reqs)
	return s, nil
}

// serve reads the channel's requests until the channel closes, keeping the
// exit report and refusing the rest (keepalives among them, as OpenSSH
// does).
func (s *session) serve(reqs <-chan *ssh.Request) {
	defer close(s.ended)
	for req := range reqs {
		switch req.Type {
		case "exit-status":
			// As OpenSSH, the first four bytes; less is malformed.
			if len(req.Payload) < 4 {
				s.end.malformed = fmt.Errorf("malformed exit-status request (%d bytes)", len(req.Payload))
				break
			}
			s.end.status, s.end.hasStatus = int(binary.BigEndian.Uint32(req.Payload)), true
		case "exit-signal":
			var msg struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if err := ssh.Unmarshal(req.Payload, &msg); err != nil {
				s.end.malformed = fmt.Errorf("malformed exit-signal request: %w", err)
				break
			}
			s.end.signal = msg.Signal
		}
		if req.WantReply {
			req.Reply(false, nil)
		}
	}
}

// stdin returns the command's standard input; closing it sends EOF.
func (s *session) stdin() io.WriteCloser { return stdinPipe{s.ch} }

// stdinPipe writes to a channel; Close sends EOF, leaving the channel open.
type stdinPipe struct{ ch ssh.Channel }

func (p stdinPipe) Write(b []byte) (int, error) { return p.ch.Write(b) }
func (p stdinPipe) Close() error                { return p.ch.CloseWrite() }

// endingStdin is a command's standard input as its HostOutput keeps it:
// once the session ended, release lets go of the channel, which would
// otherwise stay reachable for as long as the output is kept, and with it
// the last packet x/crypto/ssh received on the channel (up to 40 KiB of
// heap: a thousand finished hosts whose output waits to be read kept
// 40 MiB that way). Writes and Close then fail as they do on a closed
// channel, with io.EOF.
type endingStdin struct {
	mu sync.Mutex
	w  io.WriteCloser // nil once released
}

func (s *endingStdin) get() io.WriteCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w
}

func (s *endingStdin) Write(p []byte) (int, error) {
	w := s.get()
	if w == nil {
		return 0, io.EOF
	}
	return w.Write(p)
}

func (s *endingStdin) Close() error {
	w := s.get()
	if w == nil {
		return io.EOF
	}
	return w.Close()
}

// release lets go of the channel; the session has ended.
func (s *endingStdin) release() {
	s.mu.Lock()
	s.w = nil
	s.mu.Unlock()
}

// stdout returns the command's standard output, for a session started
// without a stdout writer.
func (s *session) stdout() io.Reader { return s.ch }

// requestPty asks for a pseudo-terminal of width x height characters.
func (s *session) requestPty(term string, width, height int, modes ssh.TerminalModes) error {
	var list []byte
	for k, v := range modes {
		list = append(list, ssh.Marshal(struct {
			Key byte
			Val uint32
		}{k, v})...)
	}
	list = append(list, 0) // TTY_OP_END
	ok, err := s.ch.SendRequest("pty-req", true, ssh.Marshal(struct {
		Term                         string
		Columns, Rows, Width, Height uint32
		Modelist                     string
	}{term, uint32(width), uint32(height), uint32(width * 8), uint32(height * 8), string(list)}))
	if err == nil && !ok {
		err = errors.New("the server refused the pseudo-terminal")
	}
	return err
}

// start sends the request that starts the command ("exec", "shell" or
// "subsystem", with its payload), then copies the command's output to
// toStdout and toStderr.
func (s *session) start(request string, payload []byte) error {
	ok, err := s.ch.SendRequest(request, true, payload)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the server refused the %s request", request)
	}
	if s.toStdout != nil {
		s.copy(s.toStdout, s.ch)
	}
	stderr := s.toStderr
	if stderr == nil {
		stderr = io.Discard
	}
	s.copy(stderr, s.ch.Stderr())
	return nil
}

// copy copies r to w until r ends, in the background.
func (s *session) copy(w io.Writer, r io.Reader) {
	s.copies.Go(func() {
		if _, err := io.Copy(w, r); err != nil {
			s.copyMu.Lock()
			if s.copyErr == nil {
				s.copyErr = err
			}
			s.copyMu.Unlock()
		}
	})
}

// signal sends sig (without "SIG") to the command, without waiting for an
// answer.
func (s *session) signal(sig string) error {
	_, err := s.ch.SendRequest("signal", false, ssh.Marshal(struct{ Signal string }{sig}))
	return err
}

// close closes the channel.
func (s *session) close() error { return s.ch.Close() }

// wait waits until the channel is closed and the output copied, and
// returns how the command ended: nil for exit status 0, an *exitError for
// another status or a signal, errNoExit when the server told neither, or
// why the exit report or the output was lost.
func (s *session) wait() error {
	<-s.ended
	s.copies.Wait()
	e := s.end
	switch {
	case e.signal != "":
		return &exitError{signal: e.signal}
	case e.hasStatus && e.status != 0:
		return &exitError{status: e.status}
	case e.hasStatus:
		s.copyMu.Lock()
		defer s.copyMu.Unlock()
		return s.copyErr
	case e.malformed != nil:
		return e.malformed
	}
	return errNoExit
}
