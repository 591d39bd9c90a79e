package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestOpenSSH runs the binary against a real OpenSSH sshd on three loopback
// addresses. Without sshd it skips, except under CI=true where it fails.
func TestOpenSSH(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}})
	user, _ := opensshd.EnsureTestUser(t) // a /bin/sh user: root's shell start-up is slow here
	hosts := fmt.Sprintf("%s@127.0.0.[1-3]:%d", user, s.Port)
	auth := []string{"-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile}
	empty := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(empty, nil, 0o600)

	t.Run("inline", func(t *testing.T) {
		r := runPssh(t, append(auth, "-i", "id -un; echo oops >&2")...)
		wantCode(t, r, 0)
		// sshd warns on stderr that the test user has no home directory.
		if n := strings.Count(r.stdout, user+"\nStderr: "); n != 3 || strings.Count(r.stdout, "oops\n") != 3 {
			t.Errorf("%d hosts with the expected output:\n%s", n, r.stdout)
		}
	})
	t.Run("non-zero", func(t *testing.T) {
		r := runPssh(t, append(auth, "exit 9")...)
		wantCode(t, r, 5)
		for h, st := range statuses(t, r.stdout) {
			if st.ok || st.reason != "exited 9" {
				t.Errorf("%s: %+v", h, st)
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		r := runPssh(t, append(auth, "-t", "1", "sleep 60")...)
		wantCode(t, r, 3)
		for h, st := range statuses(t, r.stdout) {
			if st.reason != "timed out after 1s (-t 1)" {
				t.Errorf("%s: %+v", h, st)
			}
		}
	})
	t.Run("stdin and gather", func(t *testing.T) {
		r := psshIn(t, "from stdin\n", append(auth, "-I", "-b", "cat")...)
		wantCode(t, r, 0)
		header := fmt.Sprintf("127.0.0.[1-3]:%d (3)", s.Port)
		if l := lines(r.stdout); len(l) != 4 || l[1] != header || l[3] != "from stdin" {
			t.Errorf("stdout:\n%s", r.stdout)
		}
	})
	t.Run("unknown host key", func(t *testing.T) {
		r := runPssh(t, "-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile="+empty, "true")
		wantCode(t, r, 4)
		if n := strings.Count(r.stdout, "unknown host key (not in "+empty+"; --known-hosts accept-new trusts new hosts)"); n != 3 {
			t.Errorf("stdout:\n%s", r.stdout)
		}
	})
}
