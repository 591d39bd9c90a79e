package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParallelismBoundsRunningCommands(t *testing.T) {
	b := newBed(t, 6)
	dir := t.TempDir()
	// Each command marks itself running in a shared directory (the testbed's
	// hosts share this machine's disk), counts the marks, lingers, and goes.
	cmd := fmt.Sprintf(`touch %[1]s/$$; ls %[1]s | wc -l; sleep 0.3; rm %[1]s/$$`, dir)
	r := runPssh(t, append(b.flags(), "-p", "2", "-i", cmd)...)
	wantCode(t, r, 0)
	most := 0
	for _, l := range lines(r.stdout) {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(l), &n); err == nil {
			most = max(most, n)
		}
	}
	if most < 1 || most > 2 {
		t.Fatalf("up to %d commands ran at once with -p 2:\n%s", most, r.stdout)
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
