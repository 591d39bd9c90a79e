package sshconn

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestOffer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		want  string
	}{
		{"none", nil, ""},
		{"fits", []string{"a", "b"}, "a,b"},
		{"cut between names", []string{"aaaa", "bbbb", "cccc", "dd"}, "aaaa,bbbb ... (2 more names, 8 bytes)"},
		{"one huge name", []string{strings.Repeat("x", 50)}, "xxxxxxxxxx... (40 more bytes)"},
		{"escaped", []string{"a\n\x1b]0;t\x07"}, `a\n\x1b]0;... (2 more bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := offer(tc.names, 10); got != tc.want {
				t.Errorf("offer(%q, 10) = %q, want %q", tc.names, got, tc.want)
			}
		})
	}
}

func TestBoundNegotiation(t *testing.T) {
	var peer []string
	for i := range 10000 {
		peer = append(peer, fmt.Sprintf("kex-%d@example.com", i))
	}
	ne := &ssh.AlgorithmNegotiationError{What: "key exchange", SupportedAlgorithms: []string{"curve25519-sha256"}, RequestedAlgorithms: peer}
	err := boundNegotiation(fmt.Errorf("ssh: handshake failed: %w", ne))
	want := "ssh: handshake failed: ssh: no common algorithm for key exchange; the server offered: kex-0@example.com,kex-1@example.com,"
	if text := err.Error(); len(text) > 400 || !strings.HasPrefix(text, want) || !strings.HasSuffix(text, "; we offered: curve25519-sha256") {
		t.Errorf("%d bytes: %s", len(text), text)
	}
	var got *ssh.AlgorithmNegotiationError
	if !errors.As(err, &got) || got != ne {
		t.Error("the negotiation error is not wrapped")
	}
	other := errors.New("ssh: handshake failed: EOF")
	if boundNegotiation(other) != other {
		t.Error("another error changed")
	}
}
