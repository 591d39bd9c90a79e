package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestJSON(t *testing.T) {
	a := newBed(t, 2, "CODE=0", "WORD=alpha")
	b := newBed(t, 1, "CODE=3", "WORD=beta")
	args := append(a.flags(), "-h", b.hostsFile, "-O", "UserKnownHostsFile="+b.known, "-H", "127.0.0.1:1", "--json", `echo $WORD; echo err >&2; exit $CODE`)
	r := runPssh(t, args...)
	wantCode(t, r, 4)
	type host struct {
		Host     string `json:"host"`
		Index    int    `json:"index"`
		User     string `json:"user"`
		Addr     string `json:"addr"`
		ExitCode *int   `json:"exit_code"`
		Signal   string `json:"signal"`
		Stdout   string `json:"stdout"`
		Stderr   string `json:"stderr"`
		Error    *struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"error"`
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	}
	got := map[int]host{}
	for _, l := range lines(r.stdout) {
		var h host
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got[h.Index] = h
	}
	if len(got) != 4 {
		t.Fatalf("%d objects, want 4:\n%s", len(got), r.stdout)
	}
	for i := range 3 {
		h := got[i]
		word, code := "alpha", 0
		if i == 2 {
			word, code = "beta", 3
		}
		if h.ExitCode == nil || *h.ExitCode != code || h.Stdout != word+"\n" || h.Stderr != "err\n" || h.Error != nil || h.User != "tester" {
			t.Errorf("host %d: %+v", i, h)
		}
		if h.Start.IsZero() || h.End.Before(h.Start) {
			t.Errorf("host %d: times %v %v", i, h.Start, h.End)
		}
	}
	if h := got[3]; h.Host != "127.0.0.1:1" || h.ExitCode != nil || h.Error == nil || h.Error.Kind != "connection" || !strings.Contains(h.Error.Text, "refused") {
		t.Errorf("refused host: %+v %+v", h, h.Error)
	}
}

func TestGather(t *testing.T) {
	a := newBed(t, 18, "WORD=same")
	b := newBed(t, 2, "WORD=other")
	r := runPssh(t, append(append(a.flags(), "-h", b.hostsFile, "-O", "UserKnownHostsFile="+b.known), "-b", `echo $WORD; echo line 2; [ $WORD = same ] || exit 2`)...)
	wantCode(t, r, 5)
	ha := fmt.Sprintf("127.0.0.[1-18]:%d (18)", a.port)
	hb := fmt.Sprintf("127.0.0.[1-2]:%d (2)", b.port)
	want := []string{
		strings.Repeat("-", len(ha)), ha, strings.Repeat("-", len(ha)), "same", "line 2",
		strings.Repeat("-", len(hb)), hb, strings.Repeat("-", len(hb)), "other", "line 2",
	}
	if got := lines(r.stdout); !slices.Equal(got, want) {
		t.Errorf("gathered output:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	if wantErr := fmt.Sprintf("pssh: 127.0.0.[1-2]:%d: exited 2\n", b.port); r.stderr != wantErr {
		t.Errorf("stderr %q, want %q", r.stderr, wantErr)
	}
}

func TestHostSelection(t *testing.T) {
	b := newBed(t, 6)
	p := b.port
	file := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(file, []byte(fmt.Sprintf(`# web tier
127.0.0.[1-3]:%d   # three hosts

tester@127.0.0.4:%d, !127.0.0.2:%d
`, p, p, p)), 0o600)
	host := func(n ...int) []string {
		var s []string
		for _, i := range n {
			s = append(s, fmt.Sprintf("127.0.0.%d:%d", i, p))
		}
		return s
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"file with comments, ranges and !", []string{"-h", file}, host(1, 3, 4)},
		{"-H range with comma list", []string{"-H", fmt.Sprintf("127.0.0.[1-2,5]:%d", p)}, host(1, 2, 5)},
		{"-H repeated, spaces", []string{"-H", fmt.Sprintf("127.0.0.1:%d 127.0.0.2:%d", p, p), "-H", fmt.Sprintf("127.0.0.6:%d", p)}, host(1, 2, 6)},
		{"--exclude", []string{"-H", fmt.Sprintf("127.0.0.[1-6]:%d", p), "--exclude", fmt.Sprintf("127.0.0.[2-5]:%d", p)}, host(1, 6)},
		{"exclude by name", []string{"-H", fmt.Sprintf("127.0.0.[1-3]:%d", p), "--exclude", "127.0.0.2"}, host(1, 3)},
		{"-g glob", []string{"-h", file, "-H", fmt.Sprintf("127.0.0.[5-6]:%d", p), "-g", "127.0.0.[35]"}, host(3, 5)},
		{"duplicates once", []string{"-H", fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d", p, p)}, host(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPssh(t, append(append(tt.args, b.auth()...), "true")...)
			wantCode(t, r, 0)
			var got []string
			for h := range statuses(t, r.stdout) {
				got = append(got, h)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("hosts %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHostSyntaxErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(file, []byte("ok1\n# fine\nweb[01-03\n"), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-h", file}, file + `:3: bad host list "web[01-03" at position 3: '[' without ']'`},
		{[]string{"-H", "db[3-1]"}, `at position 3: range 3-1 goes backwards`},
		{[]string{"-H", "db[x]"}, `"x" is not a number`},
		{[]string{"-H", "a", "--exclude", "b]"}, `--exclude: bad host list "b]" at position 1`},
		{[]string{"-H", "host:99999"}, `port "99999"`},
		{[]string{"-h", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"-H", "a", "-g", "[x"}, "syntax error in pattern"},
	}
	for _, tt := range tests {
		r := runPssh(t, append(tt.args, "true")...)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: stderr %q, want %q", tt.args, r.stderr, tt.want)
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

func TestSSHOptions(t *testing.T) {
	b := newBed(t, 2)
	hosts := []string{"-H", fmt.Sprintf("127.0.0.[1-2]:%d", b.port)}
	noPort := []string{"-H", "127.0.0.[1-2]"}
	tests := []struct {
		name string
		args []string
		code int
		err  string // in stderr
	}{
		{"StrictHostKeyChecking=no warns", append(hosts, "--key", b.keyFile, "-O", "StrictHostKeyChecking=no", "-O", "UserKnownHostsFile=/dev/null"), 0, "are not checked"},
		{"--known-hosts no", append(hosts, "--key", b.keyFile, "--known-hosts", "no"), 0, "are not checked"},
		{"-O Port, IdentityFile, User", append(noPort, "-O", fmt.Sprintf("Port=%d", b.port), "-O", "IdentityFile="+b.keyFile, "-O", "User=someone", "-O", "UserKnownHostsFile="+b.known), 0, ""},
		{"--port", append(noPort, "--port", fmt.Sprint(b.port), "--key", b.keyFile, "-O", "UserKnownHostsFile "+b.known, "--connect-timeout", "5", "--retries", "1"), 0, ""},
		{"-x ssh args", append(noPort, "-x", fmt.Sprintf("-p %d -i %s -o 'UserKnownHostsFile %s' -l tester", b.port, b.keyFile, b.known)), 0, ""},
		{"-X ssh args", append(noPort, "-X", fmt.Sprintf("-p%d", b.port), "-X", "-i", "-X", b.keyFile, "-X", "-oUserKnownHostsFile="+b.known), 0, ""},
		{"unsupported -O", append(hosts, "-O", "Ciphers=aes128-ctr"), 2, "ssh option Ciphers is not supported by pssh"},
		{"bad StrictHostKeyChecking", append(hosts, "-O", "StrictHostKeyChecking=maybe"), 2, "is not yes, accept-new or no"},
		{"unsupported -x", append(hosts, "-x", "-v -C"), 2, `extra ssh argument "-v" is not supported`},
		{"-J and ProxyCommand", append(hosts, "-x", "-J bastion", "-O", "ProxyCommand=nc %h %p"), 2, "not both"},
		{"-F missing file", append(hosts, "-F", "/nonexistent/ssh_config"), 1, "/nonexistent/ssh_config"},
		{"--known-hosts bad", append(hosts, "--known-hosts", "maybe"), 2, "is not yes, accept-new or no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPssh(t, append(tt.args, "true")...)
			wantCode(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr %q, want %q", r.stderr, tt.err)
			}
		})
	}
}

func TestNuke(t *testing.T) {
	b := newBed(t, 2)
	r := runPssh(t, append(append([]string{"nuke"}, b.flags()...), "no-such-process-name")...)
	wantCode(t, r, 0)
	if len(statuses(t, r.stdout)) != 2 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = runPssh(t, append([]string{"nuke"}, b.flags()...)...)
	wantCode(t, r, 2)
}

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

func TestSSHConfigFile(t *testing.T) {
	b := newBed(t, 2)
	// Aliases that only the -F file resolves to the testbed's hosts.
	config := fmt.Sprintf("Host alias*\n  Port %d\n  IdentityFile %s\n  UserKnownHostsFile %s\nHost alias1\n  HostName 127.0.0.1\nHost alias2\n  HostName 127.0.0.2\n",
		b.port, b.keyFile, b.known)
	file := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, "-F", file, "-H", "alias1,alias2", "echo", "hi")
	wantCode(t, r, 0)
	st := statuses(t, r.stdout)
	for _, h := range []string{"alias1", "alias2"} {
		if !st[h].ok {
			t.Errorf("%s: %+v\n%s%s", h, st[h], r.stdout, r.stderr)
		}
	}
	// Without -F the aliases mean nothing.
	r = runPssh(t, "-H", "alias1", "--connect-timeout", "2", "true")
	wantCode(t, r, 4)
}

func TestParallelismBoundsRunningCommands(t *testing.T) {
	b := newBed(t, 6)
	dir := t.TempDir()
	// Each command marks itself running in a shared directory (the testbed's
	// hosts share this machine's disk), counts the marks, lingers, and goes.
	cmd := fmt.Sprintf(`touch %[1]s/$$; ls %[1]s | wc -l; sleep 0.3; rm %[1]s/$$`, dir)
	r := runPssh(t, append(b.flags(), "-p", "2", "-i", cmd)...)
	wantCode(t, r, 0)
	most := 0
	for _, l := range lines(r.stdout) {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(l), &n); err == nil {
			most = max(most, n)
		}
	}
	if most < 1 || most > 2 {
		t.Fatalf("up to %d commands ran at once with -p 2:\n%s", most, r.stdout)
	}
}
