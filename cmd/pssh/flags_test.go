package main

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/spf13/cobra"

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

	// As the classic parallel-ssh, no limit on a host's time by default.
	o, err = parseFlags([]string{"-H", "h"})
	if err != nil || o.par != defaultPar || o.timeout != 0 || o.knownHosts != "" || o.command != nil {
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
		{[]string{"-O", "HostKeyAlgorithms=+ssh-rsa", "-x", "-o 'KexAlgorithms -ecdh-*'", "-O", "macs ^hmac-sha1-96", "-O", "Ciphers=aes256-ctr,aes128-cbc"}, func(c *pssh.Config) bool {
			return slices.Equal(c.HostKeyAlgorithms, []string{"+ssh-rsa"}) && slices.Equal(c.KeyExchanges, []string{"-ecdh-*"}) &&
				slices.Equal(c.MACs, []string{"^hmac-sha1-96"}) && slices.Equal(c.Ciphers, []string{"aes256-ctr,aes128-cbc"})
		}},
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

// parseSubcommand parses args as the command line of sub, a subcommand of
// pssh made with a runF that keeps its options.
func parseSubcommand(sub *cobra.Command, args ...string) error {
	root := &cobra.Command{Use: "pssh", SilenceErrors: true, SilenceUsage: true}
	addHelpFlag(root.PersistentFlags())
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(sub)
	root.SetArgs(append([]string{sub.Name()}, args...))
	_, err := root.ExecuteC()
	return err
}

// TestUsageErrors checks what a command line mistake prints: the message
// as pssh has always worded it, and which help to read; exit status 2.
func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
		help string // the command whose help the hint names
	}{
		{[]string{"-q"}, "unknown flag -q", "pssh"},
		{[]string{"-iq", "true"}, "unknown flag -q", "pssh"},
		{[]string{"--nope"}, "unknown flag --nope", "pssh"},
		{[]string{"---x"}, "unknown flag ---x", "pssh"},
		{[]string{"-h"}, "flag -h needs a value", "pssh"},
		{[]string{"-iH"}, "flag -H needs a value", "pssh"},
		{[]string{"--par"}, "flag --par needs a value", "pssh"},
		{[]string{"-p", "0", "true"}, `-p: "0" is not a whole number of at least 1`, "pssh"},
		{[]string{"--par=8x", "true"}, `-p: "8x" is not a whole number of at least 1`, "pssh"},
		{[]string{"--port", "x", "true"}, `--port: "x" is not a whole number of at least 1`, "pssh"},
		{[]string{"--retries=-1", "true"}, `--retries: "-1" is not a whole number of at least 0`, "pssh"},
		{[]string{"-t", "soon", "true"}, `-t: "soon" is not a number of seconds`, "pssh"},
		{[]string{"--connect-timeout", "-1", "true"}, `--connect-timeout: "-1" is not a number of seconds`, "pssh"},
		{[]string{"--json=yes", "true"}, "flag --json takes no value", "pssh"},
		{[]string{"-x", `"open`, "true"}, `-x "\"open": unterminated " quote`, "pssh"},
		{[]string{"--env", "x", "true"}, `--env "x": give NAME=VALUE`, "pssh"},
		{[]string{"-H", "h"}, "no command given: pssh [flags] COMMAND...", "pssh"},
		{[]string{"true"}, "no hosts: give them with -h FILE or -H HOSTS", "pssh"},
		{[]string{"-H", "h", "-R", "1:x:2", "true"}, "unknown flag -R; pssh forward takes -L/-R/-D; pdsh's -R (rcmd module) has no counterpart: pssh always speaks SSH itself", "pssh"},
		{[]string{"-H", "h", "--local-forward", "1:x:2", "true"}, "unknown flag --local-forward; pssh forward takes -L/-R/-D", "pssh"},
		{[]string{"-H", "h", "-r", "true"}, "unknown flag -r", "pssh"},
		{[]string{"cp", "-H", "h", "-i", "a", "b"}, "cp: -i applies to running commands only", "pssh cp"},
		{[]string{"slurp", "-H", "h", "--sudo", "a", "b"}, "slurp: --sudo applies to running commands only", "pssh slurp"},
		{[]string{"cp", "-H", "h", "a"}, "cp: give two paths: pssh cp [flags] LOCAL REMOTE", "pssh cp"},
		{[]string{"slurp", "-H", "h", "a", "", "c"}, "slurp: give two paths: pssh slurp [flags] REMOTE LOCALDIR", "pssh slurp"},
		{[]string{"cp", "-H", "h", "-p", "0", "a", "b"}, `-p: "0" is not a whole number of at least 1`, "pssh cp"},
		{[]string{"nuke", "-H", "h", "-D", "1080", "x"}, "unknown flag -D; pssh forward takes -L/-R/-D", "pssh nuke"},
		{[]string{"nuke", "-H", "h"}, "nuke: give one PATTERN: pssh nuke [flags] PATTERN", "pssh nuke"},
		{[]string{"forward", "-H", "h", "-I", "-L", "1:x:2"}, "forward: -I applies to running commands only", "pssh forward"},
		{[]string{"forward", "-H", "h"}, "forward: usage: pssh forward [flags] -L [BIND:]PORT:HOST:HOSTPORT | -R [BIND:]PORT:HOST:HOSTPORT | -D [BIND:]PORT ...", "pssh forward"},
		{[]string{"forward", "-H", "a,b", "-L", "1:x:2"}, "forward: give exactly one host to forward through (got 2)", "pssh forward"},
		{[]string{"forward", "-H", "a", "-L", "nonsense"}, `-L "nonsense": want [BIND:]PORT:HOST:HOSTPORT`, "pssh forward"},
		{[]string{"testbed", "-n", "0"}, `-n: "0" is not a whole number of at least 1`, "pssh testbed"},
		{[]string{"testbed", "-bogus"}, "unknown flag -b", "pssh testbed"},
		{[]string{"man"}, "man: give one DIR: pssh man DIR", "pssh man"},
	} {
		r := runIn(testStreams(""), tt.args...)
		want := "pssh: " + tt.msg + "\nRun '" + tt.help + " --help' for usage.\n"
		if r.code != exitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2, stderr %q", tt.args, r.code, r.stderr, r.stdout, want)
		}
	}
}
