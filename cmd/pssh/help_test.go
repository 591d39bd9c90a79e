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

// TestSubcommandHelp checks that each subcommand's --help lists its own
// flags, and not the flags of the others.
func TestSubcommandHelp(t *testing.T) {
	for _, tt := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"cp", "--help"}, []string{"Usage: pssh cp [flags] LOCAL REMOTE", "-h, --hosts FILE", "-O, --option", "-p, --par", "-r, --recursive", "--scp", "--preserve-times", "--json", "-v, --verbose", "Exit status:"},
			[]string{"-i, --inline", "--sudo", "--pty", "-I, --send-input", "-o, --outdir", "--env", "-L, --local-forward", "-V, --version", "--dir"}},
		{[]string{"slurp", "--help"}, []string{"Usage: pssh slurp [flags] REMOTE LOCALDIR", "-H, --host", "-r, --recursive", "--scp"},
			[]string{"-b, --gather", "--sudo", "-D, --dynamic-forward"}},
		{[]string{"nuke", "--help"}, []string{"Usage: pssh nuke [flags] PATTERN", "-H, --host", "-p, --par", "-i, --inline", "--sudo"},
			[]string{"-r, --recursive", "--scp", "-L, --local-forward", "-V, --version"}},
		{[]string{"forward", "--help"}, []string{"Usage: pssh forward", "-H, --host", "--key", "-L, --local-forward", "-R, --remote-forward", "-D, --dynamic-forward"},
			[]string{"-p, --par", "-t, --timeout", "--json", "-i, --inline", "-r, --recursive"}},
		{[]string{"testbed", "--help"}, []string{"Usage: pssh testbed [-n N] [--dir DIR]", "-n N", "--dir DIR", "(default 20)"},
			[]string{"-H, --host", "-p, --par", "--key"}},
		{[]string{"help", "cp"}, []string{"Usage: pssh cp [flags] LOCAL REMOTE", "-r, --recursive"}, []string{"-i, --inline"}},
	} {
		r := runIn(testStreams(""), tt.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q", tt.args, r.code, r.stderr)
		}
		for _, s := range tt.want {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%q lacks %q:\n%s", tt.args, s, r.stdout)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(r.stdout, s) {
				t.Errorf("%q shows %q:\n%s", tt.args, s, r.stdout)
			}
		}
	}
}

// TestHelpFitsTheTerminal checks that no line of any help is wider than 80
// columns, but for lines that cannot break.
func TestHelpFitsTheTerminal(t *testing.T) {
	for _, sub := range []string{"", "cp", "slurp", "nuke", "forward", "testbed", "man", "completion"} {
		args := []string{"--help"}
		if sub != "" {
			args = []string{sub, "--help"}
		}
		r := runIn(testStreams(""), args...)
		for _, l := range lines(r.stdout) {
			if len(l) > helpWidth && strings.Contains(strings.TrimSpace(l), " ") && !strings.HasPrefix(l, "Usage:") && !strings.HasPrefix(l, "       pssh") {
				t.Errorf("%q: line of %d columns: %q", args, len(l), l)
			}
		}
	}
}
