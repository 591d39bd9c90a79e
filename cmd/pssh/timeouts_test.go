package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/sshtest"
)

// TestConnectTimeoutIsOpenSSHs: --connect-timeout bounds the TCP connect
// and the server's banner, as ssh's ConnectTimeout: a host that needs 6 s
// to authenticate is reached with --connect-timeout 4, by pssh as by ssh;
// a host that never sends its banner fails after the connect timeout, its
// status naming the flag.
func TestConnectTimeoutIsOpenSSHs(t *testing.T) {
	t.Run("slow authentication", func(t *testing.T) {
		t.Parallel()
		b := newBed(t, 1)
		b.fleet.Servers[0].SetFaults(sshtest.Faults{AuthDelay: 6 * time.Second})
		r := runPssh(t, append(b.flags(), "--connect-timeout", "4", "true")...)
		wantCode(t, r, 0)
		if r.took < 6*time.Second {
			t.Errorf("done in %v, before the server's 6 s", r.took)
		}
		// The oracle: ssh -o ConnectTimeout=4 logs in too.
		if _, err := exec.LookPath("ssh"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("ssh is missing; .ci/run installs it")
			}
			t.Skip("ssh is not installed")
		}
		ssh := exec.Command("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=4", "-o", "StrictHostKeyChecking=yes",
			"-o", "UserKnownHostsFile="+b.known, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-i", b.keyFile,
			"-p", strconv.Itoa(b.port), "tester@127.0.0.1", "true")
		ssh.Env = append(os.Environ(), "HOME="+t.TempDir())
		if out, err := ssh.CombinedOutput(); err != nil {
			t.Errorf("ssh -o ConnectTimeout=4: %v: %s", err, out)
		}
	})
	t.Run("no banner", func(t *testing.T) {
		t.Parallel()
		b := newBed(t, 1)
		b.fleet.Servers[0].SetFaults(sshtest.Faults{NoBanner: true})
		r := runPssh(t, append(b.flags(), "--connect-timeout", "1", "true")...)
		wantCode(t, r, exitConnect)
		for h, st := range statuses(t, r.stdout) {
			if st.reason != "connect timed out after 1s (--connect-timeout 1)" {
				t.Errorf("%s: %+v", h, st)
			}
		}
		if r.took > 30*time.Second {
			t.Errorf("took %v, want about the connect timeout", r.took)
		}
	})
	t.Run("stalled key exchange", func(t *testing.T) {
		t.Parallel()
		b := newBed(t, 1)
		b.fleet.Servers[0].SetFaults(sshtest.Faults{StallKex: true})
		r := runPssh(t, append(b.flags(), "--connect-timeout", "1", "--handshake-timeout", "1.5", "-v", "true")...)
		wantCode(t, r, exitConnect)
		for h, st := range statuses(t, r.stdout) {
			if st.reason != "handshake timed out after 1.5s (--handshake-timeout 1.5)" {
				t.Errorf("%s: %+v", h, st)
			}
		}
		if !strings.Contains(r.stderr, "handshake timed out after 1.5s (--handshake-timeout 1.5)") || strings.Contains(r.stderr, "Timeout") {
			t.Errorf("-v: %q", r.stderr)
		}
	})
}
