package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

// TestOpenSSHJump reaches a real sshd through another one acting as the
// jump host (-J, -x "-J ...", -O ProxyJump), and names a failing hop.
func TestOpenSSHJump(t *testing.T) {
	target := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	jump := opensshd.StartT(t, opensshd.Options{ExtraConfig: []string{"AuthorizedKeysFile " + filepath.Join(target.Dir, "authorized_keys")}})
	user, _ := opensshd.EnsureTestUser(t)
	hosts := fmt.Sprintf("127.0.0.[1-2]:%d", target.Port)
	auth := []string{"-H", hosts, "-l", user, "--key", target.ClientKeyFile,
		"-O", "UserKnownHostsFile=" + target.KnownHostsFile + " " + jump.KnownHostsFile}
	hop := user + "@" + jump.Addrs[0]

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"-J", []string{"-J", hop}},
		{"--jump", []string{"--jump=" + jump.Addrs[0]}},
		{"-x -J", []string{"-x", "-J " + hop}},
		{"-O ProxyJump", []string{"-O", "ProxyJump=" + hop}},
		{"two hops", []string{"-J", hop + "," + jump.Addrs[0]}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := strings.Count(jump.Log(), "Accepted publickey")
			r := runPssh(t, append(append(auth, tt.args...), "-i", "echo via-jump")...)
			wantCode(t, r, 0)
			if n := strings.Count(r.stdout, "\nvia-jump\n"); n != 2 {
				t.Errorf("%d hosts answered, want 2:\n%s", n, r.stdout)
			}
			if after := strings.Count(jump.Log(), "Accepted publickey"); after <= before {
				t.Errorf("the jump host saw no login:\n%s", jump.Log())
			}
		})
	}

	t.Run("failing hop", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := l.Addr().String()
		l.Close()
		r := runPssh(t, append(auth, "-J", hop+","+closed, "true")...)
		wantCode(t, r, 4)
		want := "jump host #2 " + user + "@" + closed + ": connection refused"
		st := statuses(t, r.stdout)
		if len(st) != 2 {
			t.Fatalf("stdout:\n%s", r.stdout)
		}
		for h, s := range st {
			if s.ok || s.reason != want {
				t.Errorf("%s: %+v, want %q", h, s, want)
			}
		}
	})
	t.Run("jump and proxy command", func(t *testing.T) {
		r := runPssh(t, append(auth, "-J", hop, "-O", "ProxyCommand=nc %h %p", "true")...)
		wantCode(t, r, 2)
	})
}
