package sshtest

import (
	"errors"
	"io"
	"time"
)

// Faults inject failures into a [Server]. The zero value injects none.
//
// Faults can be set initially with Config.Faults and changed on a running
// server with [Server.SetFaults]. Each fault is sampled when the event it
// affects begins: connection faults (Refuse, NoBanner, HandshakeDelay) when a
// connection is accepted, RejectAuth at each authentication attempt, and
// session faults (HangExec, ExecDelay, DropAfter, DropSFTPAfter) when an exec,
// shell or subsystem request arrives. Changing faults does not affect what is already under way.
type Faults struct {
	// Refuse closes every new TCP connection immediately after accepting it.
	Refuse bool
	// NoBanner accepts TCP connections and never sends anything on them, so
	// the SSH handshake hangs until the client gives up. Such connections are
	// held open until the client disconnects or the server is closed or
	// drops its connections. Whatever the client sends is read and discarded.
	NoBanner bool
	// HandshakeDelay waits this long after accepting a connection before
	// starting the SSH handshake.
	HandshakeDelay time.Duration
	// RejectAuth makes every authentication attempt fail, including
	// "none" when Config.NoClientAuth is set.
	RejectAuth bool
	// HangExec accepts session channels but never replies to exec, shell or
	// subsystem requests (and runs nothing).
	HangExec bool
	// DropAfter, if positive, closes the whole TCP connection as soon as
	// this many bytes of a command's stdout have been sent on one session,
	// simulating a connection that dies mid-output.
	DropAfter int64
	// DropSFTPAfter, if positive, closes the whole TCP connection as soon as
	// this many bytes of SFTP traffic (both directions together) have
	// passed on one sftp subsystem session, simulating a connection that
	// dies mid-transfer.
	DropSFTPAfter int64
	// ExecDelay waits this long before starting each command (and before
	// replying to its exec or shell request).
	ExecDelay time.Duration
}

// SetFaults replaces the server's faults. It is safe to call concurrently
// with everything else, including while clients are connected.
func (s *Server) SetFaults(f Faults) {
	s.faults.Store(&f)
}

// Faults returns the server's current faults.
func (s *Server) Faults() Faults {
	return *s.faults.Load()
}

// errDropped is returned by dropWriter once it has closed the connection.
var errDropped = errors.New("sshtest: connection dropped by DropAfter fault")

// dropWriter passes at most left bytes to w, then calls drop (which closes
// the connection) and fails.
type dropWriter struct {
	w    io.Writer
	left int64
	drop func()
}

func (d *dropWriter) Write(p []byte) (int, error) {
	if int64(len(p)) < d.left {
		n, err := d.w.Write(p)
		d.left -= int64(n)
		return n, err
	}
	n, err := d.w.Write(p[:d.left])
	d.left -= int64(n)
	d.drop()
	if err == nil {
		err = errDropped
	}
	return n, err
}

// sleep waits for d, returning false early if the server closes or done is
// closed.
func (s *Server) sleep(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	case <-done:
		return false
	}
}
