package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestOpenSSHInterrupt stops a run on three real OpenSSH hosts by SIGINT
// (what Ctrl-C sends; with and without a PTY), SIGTERM, SIGHUP and a closed
// standard output: pssh exits 3 saying why, with every host reported as
// interrupted, and the remote commands are gone from the server (sshd
// leaves a command without a PTY running when its client just goes away).
func TestOpenSSHInterrupt(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}})
	if _, err := exec.LookPath("pgrep"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pgrep is missing")
		}
		t.Skip("needs pgrep")
	}
	user, _ := opensshd.EnsureTestUser(t) // a /bin/sh user: sshd signals no root sessions
	hosts := fmt.Sprintf("%s@127.0.0.[1-3]:%d", user, s.Port)
	for _, tc := range []struct {
		name   string
		pty    bool
		sig    syscall.Signal // sent once the commands run; 0: stdout is a closed pipe
		stderr string
	}{
		{"SIGINT", false, syscall.SIGINT, "pssh: interrupted by SIGINT"},
		{"SIGINT pty", true, syscall.SIGINT, "pssh: interrupted by SIGINT"},
		{"SIGTERM", false, syscall.SIGTERM, "pssh: interrupted by SIGTERM"},
		{"SIGHUP", false, syscall.SIGHUP, "pssh: interrupted by SIGHUP"},
		{"closed stdout", false, 0, "pssh: interrupted: standard output closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A sleep with a duration no other process has, to find it with pgrep.
			pattern := fmt.Sprintf("sleep 8%05d.%d", os.Getpid()%100000, time.Now().UnixNano()%1000000)
			args := []string{"-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile, "-t", "0", "-P"}
			if tc.pty {
				args = append(args, "--pty")
			}
			cmd := exec.Command(psshBin, append(args, "echo started; exec "+pattern)...)
			cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir())
			var stderr strings.Builder
			cmd.Stderr = &stderr
			var out []string
			if tc.sig == 0 {
				// As "pssh ... | head -1" once head has exited: the first
				// line pssh prints finds no reader.
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				cmd.Stdout = w
				err = cmd.Start()
				w.Close()
				if err != nil {
					t.Fatal(err)
				}
				defer cmd.Process.Kill()
			} else {
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				defer cmd.Process.Kill()
				sc := bufio.NewScanner(stdout)
				for started := 0; started < 3 && sc.Scan(); {
					out = append(out, sc.Text())
					if strings.HasSuffix(sc.Text(), ": started") {
						started++
					}
				}
				// Each shell execs sleep right after "started": wait for all three.
				for deadline := time.Now().Add(10 * time.Second); remoteCount(t, pattern) != 3; {
					if time.Now().After(deadline) {
						t.Fatalf("%d remote commands running, want 3; output %q", remoteCount(t, pattern), out)
					}
					time.Sleep(10 * time.Millisecond) // polling for outside processes to appear
				}
				if err := cmd.Process.Signal(tc.sig); err != nil {
					t.Fatal(err)
				}
				for sc.Scan() {
					out = append(out, sc.Text())
				}
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitKilled {
				t.Errorf("exit %v, want status %d; stdout %q, stderr %q", err, exitKilled, out, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
			if n := strings.Count(strings.Join(out, "\n"), "[FAILURE]"); tc.sig != 0 && n != 3 {
				t.Errorf("%d hosts failed, want 3; stdout %q, stderr %q", n, out, stderr.String())
			}
			deadline := time.Now().Add(10 * time.Second)
			for remoteCount(t, pattern) > 0 {
				if time.Now().After(deadline) {
					t.Fatal("remote commands still running 10s after pssh was interrupted")
				}
				time.Sleep(20 * time.Millisecond) // polling for outside processes' end
			}
		})
	}
}

// remoteCount is the number of processes whose command line starts with
// pattern.
func remoteCount(t *testing.T, pattern string) int {
	t.Helper()
	out, err := exec.Command("pgrep", "-c", "-f", "^"+pattern).Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("pgrep: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("pgrep -c printed %q", out)
	}
	return n
}
