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
// affects begins: connection faults (Refuse, NoBanner, GarbageBanner,
// EndlessGarbage, StallKex, HugeKexInit, HandshakeDelay) when a connection is accepted,
// RejectAuth and AuthDelay at each authentication attempt, and session faults (HangExec,
// ExecDelay, DropAfter, DropSFTPAfter, SFTPDotDotEntry, SlowOutput,
// MalformedExit) when an exec, shell or subsystem request arrives. Changing
// faults does not affect what is already
// under way. If several connection faults are set, the first in this list
// applies.
//
// Faults of a command's own behaviour (output without newlines, binary
// output, death by a signal, never exiting) are not faults of the server:
// give the server a Config.Handler that behaves so, such as [Repeat],
// [Output] or [Hang].
type Faults struct {
	// Refuse closes every new TCP connection immediately after accepting it.
	Refuse bool
	// NoBanner accepts TCP connections and never sends anything on them, so
	// the SSH handshake hangs until the client gives up. Such connections are
	// held open until the client disconnects or the server is closed or
	// drops its connections. Whatever the client sends is read and discarded.
	NoBanner bool
	// GarbageBanner answers every new connection with a few lines of text
	// that are not an SSH version banner (as a web or mail server on the
	// wrong port would), then closes its side of the connection: the
	// client reads the text and then EOF where it expected the banner.
	GarbageBanner bool
	// EndlessGarbage answers every new connection with an endless line of
	// text that is not an SSH version banner, until the client
	// disconnects. A client that reads the version line without bound never
	// gets out of it; golang.org/x/crypto/ssh gives up after 255 bytes
	// ("overflow reading version string").
	EndlessGarbage bool
	// StallKex sends a valid SSH version banner on every new connection,
	// then nothing more: the key exchange never completes and the
	// handshake hangs until the client gives up. What the client sends is
	// read and discarded.
	StallKex bool
	// HugeKexInit, if positive, sends a valid SSH version banner, then a
	// key exchange init (KEXINIT) message whose list of key exchange
	// algorithms is about this many bytes of names no client knows
	// ("kex-0@sshtest.invalid,kex-1@sshtest.invalid,..."), at most 250 KiB
	// so that the packet fits in the 256 KiB clients accept; then it reads
	// and discards until the client leaves. Key exchange fails for want of
	// a common algorithm; a client that quotes the server's lists in its
	// error whole (golang.org/x/crypto/ssh's AlgorithmNegotiationError does)
	// makes an error text of that size.
	HugeKexInit int
	// HandshakeDelay waits this long after accepting a connection before
	// starting the SSH handshake.
	HandshakeDelay time.Duration
	// RejectAuth makes every authentication attempt fail, including
	// "none" when Config.NoClientAuth is set.
	RejectAuth bool
	// AuthDelay waits this long before answering each authentication
	// attempt that the server checks (a public key, once per key; a
	// password; keyboard-interactive answers; "none" with NoClientAuth),
	// as a busy server whose PAM or directory lookups are slow does. The
	// banner and key exchange are not delayed.
	AuthDelay time.Duration
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
	// SFTPDotDotEntry adds to the first directory listing of each SFTP
	// session an entry named "x/..", a directory, as a hostile server
	// would: a client that keeps the last element of a listed name (as
	// github.com/pkg/sftp's ReadDir does) sees "..", and if it descends
	// into it while fetching a directory, it lists the server's parent
	// directory and writes its files outside the local directory it
	// fetches into. A careful client refuses the name.
	SFTPDotDotEntry bool
	// ExecDelay waits this long before starting each command (and before
	// replying to its exec or shell request).
	ExecDelay time.Duration
	// SlowOutput, if positive, sends a command's stdout and stderr one byte
	// at a time, waiting this long before each byte (for example
	// 100*time.Millisecond: ten bytes a second), simulating a slow link or
	// a command that trickles its output. It applies to commands run by
	// Config.Shell and by Config.Handler alike.
	SlowOutput time.Duration
	// MalformedExit ends each command (run by Config.Shell or
	// Config.Handler), once its output is sent, with an "exit-status"
	// request too short to hold a status (two bytes where RFC 4254 puts a
	// 32-bit number), then MalformedExitRequests further channel requests
	// (want-reply false), and then neither EOF nor close: the channel stays
	// open until the client closes it or the connection ends. A client
	// must end such a session itself, by a timeout or by closing it.
	// golang.org/x/crypto/ssh's Session.Wait stops reading a channel's
	// requests at the malformed one, after which its connection's packet
	// loop blocks on the requests that follow: that session, and every
	// other on the connection, then never ends, even when the connection
	// is closed.
	MalformedExit bool
}

// MalformedExitRequests is how many channel requests the MalformedExit
// fault sends after the malformed exit-status: more than
// golang.org/x/crypto/ssh buffers for a channel (16).
const MalformedExitRequests = 64

// malformedExit reports a command's end as the MalformedExit fault does,
// leaving the channel open.
func (ss *session) malformedExit() {
	ss.logf("malformed exit-status, then %d requests, channel left open (MalformedExit fault)", MalformedExitRequests)
	if _, err := ss.ch.SendRequest("exit-status", false, []byte{0, 0}); err != nil {
		return
	}
	for range MalformedExitRequests {
		if _, err := ss.ch.SendRequest("keepalive@openssh.com", false, nil); err != nil {
			return
		}
	}
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

// outputWriter wraps w, one of a command's output streams, with the output
// faults of f: SlowOutput, and for stdout DropAfter. Delays end early when
// stop is closed or the server closes.
func (ss *session) outputWriter(w io.Writer, f Faults, stop <-chan struct{}, stdout bool) io.Writer {
	if f.SlowOutput > 0 {
		w = &slowWriter{w: w, delay: f.SlowOutput, srv: ss.srv, stop: stop}
	}
	if stdout && f.DropAfter > 0 {
		dropAfter := f.DropAfter
		w = &dropWriter{w: w, left: dropAfter, drop: func() {
			ss.logf("dropping connection after %d bytes of stdout (DropAfter fault)", dropAfter)
			ss.conn.conn.Close()
		}}
	}
	return w
}

// errStopped is returned by slowWriter when the command ends during a delay.
var errStopped = errors.New("sshtest: output stopped")

// slowWriter writes to w one byte at a time, waiting delay before each.
type slowWriter struct {
	w     io.Writer
	delay time.Duration
	srv   *Server
	stop  <-chan struct{}
}

func (s *slowWriter) Write(p []byte) (int, error) {
	for i := range p {
		if !s.srv.sleep(s.delay, s.stop) {
			return i, errStopped
		}
		if _, err := s.w.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}
