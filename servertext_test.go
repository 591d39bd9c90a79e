package pssh_test

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// unsafeText matches what an error text must not hold: control characters
// (a newline included: one error, one line) and C1 controls.
var unsafeText = regexp.MustCompile(`[\x00-\x1f\x7f\x{80}-\x{9f}]`)

// maxErrorText bounds the text of a host's error, whatever the server
// sent: the library quotes at most 1 KiB of a cause, and the host's name
// and the error's own words come on top.
const maxErrorText = 1200

// TestHugeKexInitErrorBounded: a server offering 200 KB of key exchange
// algorithms makes a connection error of a bounded size, that quotes the
// start of its list escaped, while the full lists stay available to
// errors.As.
func TestHugeKexInitErrorBounded(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{HugeKexInit: 200 << 10})
	c := newClient(t, fleet.Addrs(), cfg)
	outputs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	err := outputs[0].Err()
	var ce *pssh.ConnectionError
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ce) || pssh.Classify(err) != pssh.FailureConnection || !errors.As(err, &ne) || len(ne.RequestedAlgorithms) < 5000 {
		t.Fatalf("error %T (%v), want a *ConnectionError wrapping the whole negotiation error", err, pssh.Classify(err))
	}
	text := err.Error()
	if len(text) > maxErrorText || unsafeText.MatchString(text) {
		t.Errorf("%d bytes of error text: %.300q", len(text), text)
	}
	// The *AlgorithmError names the start of the server's list and how
	// many more there were.
	for _, want := range []string{"key exchange", `"kex-0@sshtest.invalid", "kex-1@sshtest.invalid"`, " more"} {
		if !strings.Contains(text, want) {
			t.Errorf("error text lacks %q: %s", want, text)
		}
	}
}

// hostileText is a server's message as a hostile one sends it: long, with
// a newline, a forged line and escape sequences.
var hostileText = "refused\n[7] 00:00:00 [SUCCESS] forged\x1b]0;title\x07\u009b2J" + strings.Repeat("x", 100<<10)

// TestServerTextInErrorsBounded: every error that wraps a cause carrying a
// server's words (a jump host's refusal, an SFTP or SCP server's message, a
// disconnect message) quotes at most 1 KiB of it, escaped, and still
// wraps it.
func TestServerTextInErrorsBounded(t *testing.T) {
	cause := &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: hostileText}
	for _, err := range []error{
		&pssh.ConnectionError{Host: "web1", Addr: "10.0.0.1:22", Err: cause},
		&pssh.AuthenticationError{Host: "web1", User: "u", Addr: "10.0.0.1:22", Err: cause},
		&pssh.SessionError{Host: "web1", Op: "open session", Err: cause},
		&pssh.TransferError{Host: "web1", Path: "/etc/x", Op: "sftp", Err: cause},
		&pssh.JumpError{Host: "web1", Hop: "u@bastion:22", HopIndex: 1,
			Err: &pssh.ConnectionError{Host: "bastion", Addr: "10.0.0.2:22", Err: cause}},
	} {
		text := err.Error()
		if len(text) > maxErrorText || unsafeText.MatchString(text) || !strings.Contains(text, `refused\n[7]`) {
			t.Errorf("%T: %d bytes of error text: %.300q", err, len(text), text)
		}
		var got *ssh.OpenChannelError
		if !errors.As(err, &got) || got.Message != hostileText {
			t.Errorf("%T does not wrap its cause", err)
		}
	}

	// The same through a client: a transport whose refusal quotes the
	// server (as a jump host's does).
	cfg := &pssh.Config{IgnoreSSHConfig: true, NoAgent: true, NoDefaultKeys: true, Password: "x",
		Dial: func(context.Context, string, string) (net.Conn, error) { return nil, cause }}
	c := newClient(t, []string{"web1"}, cfg)
	outputs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if text := outputs[0].Err().Error(); len(text) > maxErrorText || unsafeText.MatchString(text) {
		t.Errorf("%d bytes of error text: %.300q", len(text), text)
	}
}
