package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFileLimitWarning runs pssh under an open file limit too low for its
// hosts (it cannot raise a hard limit): pssh says so before connecting.
func TestFileLimitWarning(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	// 100 hosts whose port 1 is closed: each fails at once.
	hosts := "127.0.0.[1-100]:1"
	cmd := exec.Command("sh", "-c", `ulimit -n 150 && exec "$0" "$@"`, psshBin, "-H", hosts, "--known-hosts", "no", "true")
	cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir(), "SSH_AUTH_SOCK=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitConnect {
		t.Fatalf("exit %v, want status %d:\n%s", err, exitConnect, out)
	}
	if want := "pssh: warning: 100 hosts need about 228 open files, but the limit is 150 (hard 150)"; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
