package main

import (
	"strings"
	"testing"
)

func TestHelp(t *testing.T) {
	r := runPssh(t, "--help")
	wantCode(t, r, 0)
	for _, flag := range []string{"-h, --hosts", "-H, --host", "--exclude", "-g, --host-glob", "-l, --user", "-p, --par", "-t, --timeout",
		"-o, --outdir", "-e, --errdir", "-O, --option", "-v, --verbose", "-A, --askpass", "-i, --inline", "--inline-stdout",
		"-I, --send-input", "-P, --print", "-b, --gather", "--json", "-x, --extra-args", "-X, --extra-arg", "--port", "--key",
		"-J, --jump", "-F, --config", "--sudo", "--pty", "--known-hosts", "--retries", "--connect-timeout", "testbed", "nuke"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("--help does not mention %s", flag)
		}
	}
}
