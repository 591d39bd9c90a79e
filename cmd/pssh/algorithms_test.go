package main

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// TestWeakHostKeyAlgorithm: a host offering only SHA-1 host key signatures
// (ssh-rsa) fails as a connection failure, saying how to allow it; with
// that option it runs.
func TestWeakHostKeyAlgorithm(t *testing.T) {
	fleet, err := sshtest.NewFleet(1, sshtest.Config{
		AuthorizedKeys:    []ssh.PublicKey{clientKey(t).PublicKey()},
		HostKeyAlgorithms: []string{ssh.KeyAlgoRSA},
		Handler:           sshtest.Output([]byte("ok\n"), nil, sshtest.Exit{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	b := bedFor(t, fleet)

	r := runPssh(t, append(b.flags(), "--json", "x")...)
	wantCode(t, r, 4)
	for _, want := range []string{`"kind":"connection"`, "ssh-rsa (SHA-1 signatures)", "pssh -O HostKeyAlgorithms=+ssh-rsa"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--json output lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runPssh(t, append(b.flags(), "-O", "HostKeyAlgorithms=+ssh-rsa", "-i", "x")...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "ok") {
		t.Errorf("allowed: output %q, want ok", r.stdout)
	}
}
