package pssh_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

func TestOpenSSHRunCommands(t *testing.T) {
	ips := make([]string, 10)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	s, cfg := openSSH(t, opensshd.Options{Addrs: ips})
	hosts := append(append([]string{}, s.Addrs...), s.Addrs...) // 20 hosts
	c := newClient(t, hosts, cfg)
	results, err := c.RunCommands(ctxT(t), fiveCommandList(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkFiveCommands(t, results, hosts)
}

func TestOpenSSHShell(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	c := newClient(t, s.Addrs, cfg)
	for _, pty := range []bool{false, true} {
		shells, err := c.OpenShell(ctxT(t), &pssh.ShellOptions{UsePTY: pty})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunShellCommands(ctxT(t), shells, "test -t 0 && echo tty || echo notty", "echo done"); err != nil {
			t.Fatal(err)
		}
		for _, sh := range shells {
			if err := sh.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.JoinShells(ctxT(t), shells, nil); err != nil {
			t.Fatal(err)
		}
		for _, sh := range shells {
			// An interactive shell on a terminal also prints its prompts.
			out := joinLines(sh.Stdout)
			ok := out == "notty\ndone"
			if pty {
				ok = strings.Contains(out, "tty\n") && !strings.Contains(out, "notty") && strings.Contains(out, "done\n")
			}
			if !ok {
				t.Errorf("pty %v, %s: output %q", pty, sh.Host, out)
			}
			if code, ok := sh.ExitCode(); !ok || code != 0 || sh.Err() != nil {
				t.Errorf("pty %v, %s: exit %d %v, err %v", pty, sh.Host, code, ok, sh.Err())
			}
		}
	}
}
