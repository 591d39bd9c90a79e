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

// TestOpenSSHInterrupt sends SIGINT (what Ctrl-C sends) to a run on three
// real OpenSSH hosts, with and without a PTY: pssh exits 3 with every host
// reported as interrupted, and the remote commands are gone from the server.
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
	for _, pty := range []bool{false, true} {
		t.Run(fmt.Sprintf("pty=%v", pty), func(t *testing.T) {
			// A sleep with a duration no other process has, to find it with pgrep.
			pattern := fmt.Sprintf("sleep 8%05d.%d", os.Getpid()%100000, time.Now().UnixNano()%1000000)
			args := []string{"-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile, "-P"}
			if pty {
				args = append(args, "--pty")
			}
			cmd := exec.Command(psshBin, append(args, "echo started; exec "+pattern)...)
			cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir())
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			sc := bufio.NewScanner(stdout)
			var out []string
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
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			for sc.Scan() {
				out = append(out, sc.Text())
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitKilled {
				t.Fatalf("exit %v, want status %d; stdout %q, stderr %q", err, exitKilled, out, stderr.String())
			}
			if n := strings.Count(strings.Join(out, "\n"), "[FAILURE]"); n != 3 || !strings.Contains(stderr.String(), "pssh: interrupted") {
				t.Errorf("%d hosts failed, want 3; stdout %q, stderr %q", n, out, stderr.String())
			}
			deadline := time.Now().Add(10 * time.Second)
			for remoteCount(t, pattern) > 0 {
				if time.Now().After(deadline) {
					t.Fatal("remote commands still running 10s after SIGINT")
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
