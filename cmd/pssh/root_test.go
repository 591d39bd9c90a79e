package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSubcommandNamedFirstOnly checks that a subcommand is one only as
// the first argument: after pssh's flags, "cp" is the remote command.
func TestSubcommandNamedFirstOnly(t *testing.T) {
	b := newBed(t, 1)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	writeFile(t, src, "copied on the host\n")
	// The testbed's hosts run their commands on this machine.
	r := runPssh(t, append(b.flags(), "cp", src, dst)...)
	wantCode(t, r, 0)
	wantFile(t, dst, "copied on the host\n")
	r = runPssh(t, append(b.flags(), "help")...)
	wantCode(t, r, 5) // no help command on the host
	if s := statuses(t, r.stdout)[b.hosts()[0]]; s.ok || s.reason != "exited 127" {
		t.Errorf("%+v", s)
	}
}

// TestCompletionScripts checks that pssh completion prints each shell's
// script, and that the completions it asks pssh for come.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := runIn(testStreams(""), "completion", shell)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", shell, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "pssh __complete") && !strings.Contains(r.stdout, "__complete") || !strings.Contains(r.stdout, "pssh") {
			t.Errorf("completion %s: a script that does not call pssh:\n%s", shell, r.stdout)
		}
	}
	for _, tt := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"--kno"}, []string{"--known-hosts"}, nil},
		{[]string{"--known-hosts", ""}, []string{"yes", "accept-new", "no"}, nil},
		{[]string{""}, []string{"cp", "slurp", "nuke", "forward", "testbed", "man", "completion"}, nil},
		{[]string{"cp", "--re"}, []string{"--recursive"}, nil},
		{[]string{"cp", "--"}, []string{"--scp", "--hosts"}, []string{"--sudo", "--inline"}},
		{[]string{"forward", "-"}, []string{"--local-forward", "--dynamic-forward"}, []string{"--par"}},
	} {
		r := runIn(testStreams(""), append([]string{"__complete"}, tt.args...)...)
		got := map[string]bool{}
		for _, l := range lines(r.stdout) {
			got[strings.SplitN(l, "\t", 2)[0]] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("completing %q: no %q in\n%s", tt.args, w, r.stdout)
			}
		}
		for _, w := range tt.not {
			if got[w] {
				t.Errorf("completing %q: %q in\n%s", tt.args, w, r.stdout)
			}
		}
	}
}
