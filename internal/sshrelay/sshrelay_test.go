package sshrelay_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/keygen"
	"github.com/gopssh/pssh/internal/sshrelay"
	"github.com/gopssh/pssh/sshtest"
)

// relayed returns a client whose channels a relay passes to a connection
// to an sshtest server.
func relayed(t *testing.T) *ssh.Client {
	t.Helper()
	srv := sshtest.Start(t, sshtest.Config{})
	up, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User:            "tester",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientKey().Signer)},
		HostKeyCallback: srv.HostKeyCallback(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })

	key, _, err := keygen.Signer(ssh.KeyAlgoED25519)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(key)
	// Not net.Pipe: both ends write their version at once, and a pipe
	// holds nothing.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc, chans, reqs, err := ssh.NewServerConn(a, cfg)
		if err != nil {
			return
		}
		defer sc.Close()
		go ssh.DiscardRequests(reqs)
		for nc := range chans {
			go sshrelay.Relay(nc, up)
		}
	}()
	cc, chans, reqs, err := ssh.NewClientConn(b, "relay", &ssh.ClientConfig{User: "x", HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	client := ssh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { client.Close(); <-done })
	return client
}

func TestRelaySession(t *testing.T) {
	client := relayed(t)
	for i := range 5 { // several sessions, one after another, on one link
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		sess.Stdin = strings.NewReader("in\n")
		sess.Stdout, sess.Stderr = &stdout, &stderr
		err = sess.Run("cat; echo err >&2; exit 7")
		var ee *ssh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 7 {
			t.Fatalf("session %d: %v, want exit status 7", i, err)
		}
		if stdout.String() != "in\n" || stderr.String() != "err\n" {
			t.Errorf("session %d: stdout %q, stderr %q", i, stdout.String(), stderr.String())
		}
	}
}

func TestRelayRejectsAsUpstream(t *testing.T) {
	client := relayed(t)
	// sshtest accepts only session channels: the refusal comes back whole.
	_, _, err := client.OpenChannel("direct-tcpip", nil)
	var oe *ssh.OpenChannelError
	if !errors.As(err, &oe) || oe.Reason != ssh.UnknownChannelType {
		t.Fatalf("opening a channel upstream refuses: %v, want UnknownChannelType", err)
	}
}
