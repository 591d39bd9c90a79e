package pssh

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// SCP: the classic rcp protocol spoken with "scp -t" (sink) and "scp -f"
// (source) run on the host over an exec session, for servers without the
// SFTP subsystem. Its limits: the remote host needs scp (and, for
// SCPSend, a POSIX shell with mkdir, wc, chmod, mv, rm and touch), file
// names may not contain newlines, and only permission bits and, with
// PreserveTimes, whole-second times are carried.

// scpSession is one exec session running scp (or a helper script) on a
// host.
type scpSession struct {
	sess   *session
	client *ssh.Client
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *limitedBuffer
	stop   func() bool
}

// startSCP runs command on the host's connection with pipes for its input
// and output. Ending ctx closes the session.
func (c *Client) startSCP(ctx context.Context, h *host, command string) (*scpSession, error) {
	sess, client, err := c.dialer.session(ctx, h)
	if err != nil {
		return nil, err
	}
	s := &scpSession{sess: sess, client: client, stderr: &limitedBuffer{max: 4096}}
	s.in, s.out = sess.stdin(), bufio.NewReaderSize(sess.stdout(), 256<<10)
	sess.toStderr = s.stderr
	if err := c.startCommand(ctx, h, client, sess, command, &RunOptions{}, false); err != nil {
		sess.close()
		return nil, err
	}
	s.stop = context.AfterFunc(ctx, func() { sess.close() })
	return s, nil
}

// close ends the session: EOF on the command's input, then its exit.
func (s *scpSession) close() error {
	s.in.Close()
	err := s.sess.wait()
	s.stop()
	s.sess.close()
	return err
}

// abort ends the session at once.
func (s *scpSession) abort() {
	s.stop()
	s.sess.close()
}

// ack reads one SCP response: nil for OK, the peer's message for a warning
// (1) or an error (2).
func (s *scpSession) ack() error {
	b, err := s.out.ReadByte()
	if err != nil {
		return s.eofError(err)
	}
	switch b {
	case 0:
		return nil
	case 1, 2:
		msg, err := s.out.ReadString('\n')
		if err != nil {
			return s.eofError(err)
		}
		return &errStatus{msg: strings.TrimSpace(msg)}
	}
	return fmt.Errorf("scp protocol error: unexpected response byte %#x", b)
}

// eofError explains an early end of the peer's output with what it wrote
// to stderr, if anything.
func (s *scpSession) eofError(err error) error {
	if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
		return &errStatus{msg: msg}
	}
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scpError wraps an SCP failure for host h about path.
func (c *Client) scpError(h *host, s *scpSession, op, path string, err error) error {
	var st *errStatus
	if errors.As(err, &st) {
		return &TransferError{Host: h.name, Path: path, Op: op, Err: err}
	}
	var client *ssh.Client
	if s != nil {
		client = s.client
	}
	return c.transferError(h, client, op, path, false, err)
}
