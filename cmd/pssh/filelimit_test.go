package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestFileLimitWarning runs pssh under an open file limit too low for its
// hosts (it cannot raise a hard limit): pssh says so before connecting.
func TestFileLimitWarning(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	// 100 hosts whose port 1 is closed: each fails at once.
	hosts := "127.0.0.[1-100]:1"
	cmd := exec.Command("sh", "-c", `ulimit -n 60 && exec "$0" "$@"`, psshBin, "-H", hosts, "-p", "40", "--known-hosts", "no", "true")
	cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir(), "SSH_AUTH_SOCK=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitConnect {
		t.Fatalf("exit %v, want status %d:\n%s", err, exitConnect, out)
	}
	if want := "pssh: warning: 100 hosts, 40 at a time (-p), need about 72 open files, but the limit is 60 (hard 60)"; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

// TestParBoundsOpenFiles runs 200 hosts, 8 at a time, under an open file
// limit of 64 that pssh cannot raise: every host runs, because each host's
// connection is closed as soon as it is done, so that -p 8 needs about 8
// connections' descriptors, not one per host until the end; and with -b,
// the hosts' identical outputs, each past what is kept in memory, are kept
// once, in one spill file, not one each until the end.
func TestParBoundsOpenFiles(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	b := newBed(t, 200)
	for _, tc := range []struct {
		view    []string
		command string
	}{
		{nil, "echo ok"},
		{[]string{"-b"}, "head -c 100000 /dev/zero"},
	} {
		args := append(append(append([]string{"-p", "8"}, tc.view...), b.flags()...), tc.command)
		r := psshUnderLimit(t, 64, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("pssh %s %q under ulimit -n 64: exit %d, want 0 with nothing on stderr:\n%s", strings.Join(tc.view, " "), tc.command, r.code, r.stderr)
			continue
		}
		switch {
		case tc.view == nil:
			if st := statuses(t, r.stdout); len(st) != 200 {
				t.Errorf("%d hosts reported, want 200", len(st))
			}
		case tc.view[0] == "-b":
			if !strings.Contains(r.stdout, "(200)\n") || strings.Count(r.stdout, "(200)") != 1 {
				t.Errorf("-b: want one group of the 200 hosts:\n%.300s", r.stdout)
			}
		}
	}
}

// TestDefaultParFitsTheFileLimit runs 200 hosts without -p under an open
// file limit of 64 that pssh cannot raise: the default -p (1024) is
// lowered to what the limit allows, so pssh warns of nothing and every
// host runs.
func TestDefaultParFitsTheFileLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	b := newBed(t, 200)
	r := psshUnderLimit(t, 64, append(b.flags(), "echo ok")...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("pssh under ulimit -n 64 without -p: exit %d, want 0 with nothing on stderr:\n%s\n%s", r.code, r.stderr, failedLines(r.stdout))
	}
	if st := statuses(t, r.stdout); len(st) != 200 {
		t.Errorf("%d hosts reported, want 200", len(st))
	}
}

// psshUnderLimit runs the binary with args under an open file limit (soft
// and hard) of limit, without a terminal.
func psshUnderLimit(t *testing.T, limit int, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, limit), psshBin}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir())
	err := cmd.Run()
	r := runResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running pssh %q: %v", args, err)
	}
	return r
}

// failedLines returns the lines of out that are not successes.
func failedLines(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "FAIL") || strings.Contains(l, "rror") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
