package main

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/gopssh/pssh"
)

// parseFlags parses args as the pssh command line of a run, and returns
// its options instead of running it.
func parseFlags(args []string) (*rootOptions, error) {
	var got *rootOptions
	root := newCmdRoot(testStreams(""), func(o *rootOptions) error { got = o; return nil })
	if _, err := execute(root, args); err != nil {
		return nil, err
	}
	return got, nil
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-h", "f1", "-hf2", "-H", "a b", "--host=c", "-iPp8", "-t", "1.5", "--json", "-x", `-o "A=b c" -p 2`, "-X", "-l", "-X", "u", "ls", "-l", "/"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.hostFiles, []string{"f1", "f2"}) || !slices.Equal(o.hostLists, []string{"a b", "c"}) {
		t.Errorf("hosts: %q %q", o.hostFiles, o.hostLists)
	}
	if !o.inline || !o.print || o.par != 8 || o.timeout != 1500*time.Millisecond || !o.json {
		t.Errorf("flags: %+v", o)
	}
	if !slices.Equal(o.extraArgs, []string{"-o", "A=b c", "-p", "2"}) || !slices.Equal(o.extraArg, []string{"-l", "u"}) {
		t.Errorf("extra args %q %q", o.extraArgs, o.extraArg)
	}
	if !slices.Equal(o.command, []string{"ls", "-l", "/"}) {
		t.Errorf("command %q", o.command)
	}

	o, err = parseFlags([]string{"-H", "h"})
	if err != nil || o.par != defaultPar || o.timeout != defaultTimeout || o.knownHosts != "" || o.command != nil {
		t.Errorf("defaults: %+v %v", o, err)
	}
	o, err = parseFlags([]string{"-t", "0", "--", "-v"})
	if err != nil || o.timeout != 0 || o.verbose || !slices.Equal(o.command, []string{"-v"}) {
		t.Errorf("-- : %+v %v", o, err)
	}

	for _, bad := range [][]string{{"-q"}, {"--nope"}, {"-h"}, {"--par"}, {"-p", "x"}, {"-p", "0"}, {"-t", "-1"}, {"--json=yes"}, {"-x", `"open`}, {"--retries", "-1"}} {
		_, err := parseFlags(bad)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("parseFlags(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestSplitWords(t *testing.T) {
	tests := map[string][]string{
		``:                  nil,
		`a  b`:              {"a", "b"},
		`-o "A=b c" 'd e'f`: {"-o", "A=b c", "d ef"},
		`a\ b "x\"y"`:       {"a b", `x"y`},
		`''`:                {""},
	}
	for in, want := range tests {
		got, err := splitWords(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSetupMapsSSHOptions(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		check func(*pssh.Config) bool
	}{
		{[]string{"--forward-agent"}, func(c *pssh.Config) bool { return c.ForwardAgent }},
		{[]string{"-O", "ForwardAgent=yes"}, func(c *pssh.Config) bool { return c.ForwardAgent }},
		{[]string{"-J", "a@j1,j2:2222"}, func(c *pssh.Config) bool { return c.ProxyJump == "a@j1,j2:2222" }},
		{[]string{"-X", "-J", "-X", "j1"}, func(c *pssh.Config) bool { return c.ProxyJump == "j1" }},
		{[]string{"-O", "ProxyCommand=nc %h %p"}, func(c *pssh.Config) bool { return c.ProxyCommand == "nc %h %p" }},
		{[]string{"-O", "StrictHostKeyChecking=accept-new", "-O", "HashKnownHosts=yes"}, func(c *pssh.Config) bool {
			return c.HostKeyPolicy == pssh.HostKeyAcceptNew && c.HashKnownHosts
		}},
		{[]string{"-O", "StrictHostKeyChecking=no", "--known-hosts", "yes"}, func(c *pssh.Config) bool { return c.HostKeyPolicy == pssh.HostKeyStrict }},
		{[]string{"--known-hosts", "off"}, func(c *pssh.Config) bool {
			return c.HostKeyPolicy == pssh.HostKeyInsecureIgnore && c.HostKeyCallback == nil
		}},
		{[]string{"-O", "CertificateFile=/k-cert.pub"}, func(c *pssh.Config) bool { return c.CertFile == "/k-cert.pub" }},
	} {
		o, err := parseFlags(append(tt.args, "true"))
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		cfg, err := setup(&o.options, io.Discard)
		if err != nil || !tt.check(cfg) {
			t.Errorf("%q: %+v, %v", tt.args, cfg, err)
		}
	}
}

func TestCommandAfterFlags(t *testing.T) {
	b := newBed(t, 1)
	// Flags end at the first non-flag: -i and -n belong to the command.
	r := runPssh(t, append(b.flags(), "--inline-stdout", "echo", "-n", "-i", "x")...)
	wantCode(t, r, 0)
	if l := lines(r.stdout); len(l) != 2 || l[1] != "-i x" {
		t.Errorf("stdout %q", r.stdout)
	}
	r = runPssh(t, append(b.flags(), "--inline-stdout", "--", "-x")...) // "--" ends the flags too
	wantCode(t, r, 5)
}
