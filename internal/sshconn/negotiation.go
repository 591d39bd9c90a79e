package sshconn

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/escape"
)

// maxOffer is how much of the algorithm list a server offered the error
// of a failed negotiation quotes.
const maxOffer = 200

// negotiationError is a handshake error caused by an
// *ssh.AlgorithmNegotiationError, whose own text quotes the server's whole
// list of algorithms: up to the 256 KiB of a packet, for a hostile or
// broken server. Its text quotes the start of that list only, escaped,
// then says how much more there was; errors.As finds the
// AlgorithmNegotiationError, lists whole.
type negotiationError struct {
	err  error
	text string
}

func (e *negotiationError) Error() string { return e.text }
func (e *negotiationError) Unwrap() error { return e.err }

// boundNegotiation returns err, a handshake's error, with a bounded text
// if an algorithm negotiation failed; any other error as it is.
func boundNegotiation(err error) error {
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ne) {
		return err
	}
	short := fmt.Sprintf("ssh: no common algorithm for %s; the server offered: %s; we offered: %s",
		ne.What, offer(ne.RequestedAlgorithms, maxOffer), strings.Join(ne.SupportedAlgorithms, ","))
	text := err.Error()
	if i := strings.Index(text, ne.Error()); i >= 0 {
		// Keep what wraps it: "ssh: handshake failed: ".
		short = text[:i] + short + text[i+len(ne.Error()):]
	}
	return &negotiationError{err: err, text: short}
}

// offer is a list of algorithm names a server sent, as an error quotes it:
// comma-separated as on the wire, escaped, at most about limit bytes of
// it, then how many more names and bytes there were.
func offer(names []string, limit int) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 && b.Len()+1+len(name) > limit {
			rest := 0
			for _, n := range names[i:] {
				rest += 1 + len(n)
			}
			fmt.Fprintf(&b, " ... (%d more names, %d bytes)", len(names)-i, rest)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(escape.Line(name, limit-b.Len()))
	}
	return b.String()
}
