package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gopssh/pssh/sshtest"
)

// TestAskPass types the password at pssh's -A prompt on a terminal.
func TestAskPass(t *testing.T) {
	srv, err := sshtest.NewServer(sshtest.Config{Password: "sesame"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	known := t.TempDir() + "/known_hosts"
	os.WriteFile(known, []byte(srv.KnownHostsLine()+"\n"), 0o600)
	p := startPty(t, []string{"NO_COLOR=1", "SSH_AUTH_SOCK="}, "-A", "-H", srv.Addr, "-O", "UserKnownHostsFile="+known, "-i", "echo logged in")
	p.waitFor(t, "Password: ", 1)
	if _, err := p.tty.Write([]byte("sesame\r")); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d:\n%q", code, p.output())
	}
	out := p.output()
	if strings.Contains(out, "sesame") {
		t.Errorf("the password was echoed:\n%q", out)
	}
	if !strings.Contains(out, "[SUCCESS]") || !strings.Contains(out, "logged in") {
		t.Errorf("output:\n%q", out)
	}
}

func TestPTYJoinsStderr(t *testing.T) {
	b := newBed(t, 2)
	// A terminal ends lines with CR LF.
	r := runPssh(t, append(b.flags(), "--pty", "-i", "echo out; echo err >&2")...)
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, "Stderr:") || strings.Count(r.stdout, "err\r\n") != 2 || strings.Count(r.stdout, "out\r\n") != 2 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestSudo(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("commands run as this user: sudo needs root to run without a password")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sudo is missing; .ci/run installs it")
		}
		t.Skip("sudo is not installed")
	}
	b := newBed(t, 2)
	r := runPssh(t, append(b.flags(), "--sudo", "--inline-stdout", "id -un; echo \"$0\"")...)
	wantCode(t, r, 0)
	if strings.Count(r.stdout, "\nroot\nsh\n") != 2 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
