package pssh

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"time"

	"github.com/gopssh/pssh/internal/spool"
)

// Stream is one output stream (stdout or stderr) of one host's command.
//
// It is filled as the remote command writes, whether or not anyone reads, so
// reading never requires having waited and waiting never requires having
// read. Unread output beyond Config.OutputMemoryLimit, or beyond the
// stream's part of the client's Config.OutputMemoryTotal, spills to an
// unlinked temporary file (or, with Config.BlockOnFullBuffer, holds the
// remote command back through the SSH window). Read it as lines with Lines or as raw bytes
// with Read; both may be mixed and nothing is lost between them.
//
// A Stream is for one reader at a time.
type Stream struct {
	host    string
	name    string // "stdout" or "stderr"
	buf     *spool.Buffer
	timeout time.Duration
	log     *hostLog

	pending []byte // read from buf but not yet returned, pending[off:]
	off     int
	err     error // why the last Lines iteration stopped early
}

const lineChunk = 4096

func newStream(host, name string, buf *spool.Buffer, timeout time.Duration, log *hostLog) *Stream {
	return &Stream{host: host, name: name, buf: buf, timeout: timeout, log: log}
}

// Read reads raw bytes: binary output, and lines longer than any buffer. It
// returns io.EOF once the command has ended and everything was read, a
// *TimeoutError when RunOptions.ReadTimeout passed without data, or the
// host's error if the connection was lost.
func (s *Stream) Read(p []byte) (int, error) {
	if s.off < len(s.pending) {
		n := copy(p, s.pending[s.off:])
		s.off += n
		return n, nil
	}
	return s.read(p)
}

func (s *Stream) read(p []byte) (int, error) {
	n, err := s.buf.ReadTimeout(p, s.timeout)
	if errors.Is(err, spool.ErrTimeout) {
		err = &TimeoutError{Host: s.host, Phase: PhaseRead, Limit: s.timeout}
	}
	return n, err
}

// Lines returns the stream's lines as they arrive, without their line
// endings ("\n" or "\r\n"). The iteration ends when the command has ended
// and all output was read, or early on a read timeout or a lost connection:
// Err then tells why, and iterating again resumes where it stopped. A last
// line without a newline is yielded too. Each line yielded is also written to
// the client's host logger, if any.
func (s *Stream) Lines() iter.Seq[string] {
	return func(yield func(string) bool) {
		s.err = nil
		for {
			line, err := s.nextLine()
			if err != nil {
				if err != io.EOF {
					s.err = err
				}
				return
			}
			s.log.line(s.host, s.name, line)
			if !yield(line) {
				return
			}
		}
	}
}

// Err returns the error that ended the last Lines iteration early, or nil if
// it ended at the end of the output (or has not ended).
func (s *Stream) Err() error { return s.err }

// nextLine returns the next line, or io.EOF at the end.
func (s *Stream) nextLine() (string, error) {
	for {
		if i := bytes.IndexByte(s.pending[s.off:], '\n'); i >= 0 {
			line := s.pending[s.off : s.off+i]
			s.off += i + 1
			return string(bytes.TrimSuffix(line, []byte{'\r'})), nil
		}
		// Make room for more at the end of pending, moving the partial line
		// to the front or growing the buffer for a long line.
		if s.off > 0 {
			k := copy(s.pending, s.pending[s.off:])
			s.pending, s.off = s.pending[:k], 0
		}
		if cap(s.pending)-len(s.pending) < lineChunk/2 {
			grown := make([]byte, len(s.pending), max(lineChunk, 2*cap(s.pending)))
			copy(grown, s.pending)
			s.pending = grown
		}
		n, err := s.read(s.pending[len(s.pending):cap(s.pending)])
		s.pending = s.pending[:len(s.pending)+n]
		if err != nil {
			if err == io.EOF && len(s.pending) > 0 {
				line := string(s.pending)
				s.pending = nil
				return line, nil
			}
			if err == io.EOF {
				s.pending = nil // release the buffer: this stream is done
			}
			return "", err
		}
	}
}

// discard drops everything unread, now and later.
func (s *Stream) discard() {
	s.pending, s.off = nil, 0
	s.buf.Discard()
}
