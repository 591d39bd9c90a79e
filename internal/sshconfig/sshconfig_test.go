package sshconfig

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/sshalgo"
)

// writeFiles writes files (name -> content, "{{dir}}" replaced by the
// directory) into a new temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		content = strings.ReplaceAll(content, "{{dir}}", dir)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func requireSSH(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh is missing; .ci/run installs openssh-client")
		}
		t.Skip("ssh is not installed")
	}
}

// sshG runs `ssh -G -F file [-l user] [-p port] alias` and returns its
// settings, keyword -> values in order.
func sshG(t *testing.T, file, alias string, o Override) map[string][]string {
	t.Helper()
	args := []string{"-G", "-F", file}
	if o.User != "" {
		args = append(args, "-l", o.User)
	}
	if o.Port != 0 {
		args = append(args, "-p", strconv.Itoa(o.Port))
	}
	cmd := exec.Command("ssh", append(args, alias)...)
	cmd.Stdin = nil
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("ssh %v: %v: %s", args, err, ee.Stderr)
		}
		t.Fatalf("ssh %v: %v", args, err)
	}
	m := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		m[k] = append(m[k], v)
	}
	return m
}

func one(m map[string][]string, k string) string {
	if v := m[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func localUser(t *testing.T) *user.User {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// normalizeStrict maps StrictHostKeyChecking spellings onto ssh -G's.
func normalizeStrict(v string) string {
	switch v {
	case "yes", "true":
		return "true"
	case "no", "off", "false":
		return "false"
	}
	return v
}

// TestResolveAgainstOpenSSH resolves each case with this package and with
// `ssh -G`, and compares every setting this package interprets.
func TestResolveAgainstOpenSSH(t *testing.T) {
	requireSSH(t)
	tests := []struct {
		name     string
		files    map[string]string // "config" is the file given to -F
		alias    string
		override Override
		// wantIDs are the expanded identity files; ssh -G prints them
		// unexpanded, so only the count is compared with it.
		wantIDs []string
	}{
		{name: "no match", files: map[string]string{"config": "Host other\n  User bob\n  Port 2222\n"}, alias: "web1"},
		{name: "host name port user", files: map[string]string{"config": "Host web1\n  HostName 127.0.0.5\n  User alice\n  Port 2201\n"}, alias: "web1"},
		{name: "first value wins", files: map[string]string{"config": "Host web*\n  User first\n  Port 1001\nHost web1\n  User second\n  Port 1002\n  HostName h2\nHost *\n  User third\n  HostName h3\n"}, alias: "web1"},
		{name: "wildcard and question mark", files: map[string]string{"config": "Host db?\n  User q\nHost db*\n  User star\n  Port 7\n"}, alias: "db12"},
		{name: "question mark one char", files: map[string]string{"config": "Host db?\n  User q\nHost db*\n  User star\n"}, alias: "db1"},
		{name: "question mark not zero chars", files: map[string]string{"config": "Host db?\n  User q\nHost *\n  User star\n"}, alias: "db"},
		{name: "negation excludes", files: map[string]string{"config": "Host *.example.com !bastion.example.com\n  User inner\nHost *\n  User outer\n"}, alias: "bastion.example.com"},
		{name: "negation other host", files: map[string]string{"config": "Host *.example.com !bastion.example.com\n  User inner\nHost *\n  User outer\n"}, alias: "app.example.com"},
		{name: "negation alone matches nothing", files: map[string]string{"config": "Host !foo\n  User neg\n"}, alias: "bar"},
		{name: "several patterns", files: map[string]string{"config": "Host a b c\n  Port 3\n"}, alias: "b"},
		{name: "host patterns case-sensitive", files: map[string]string{"config": "Host WEB*\n  User upper\nHost web*\n  User lower\n"}, alias: "web1"},
		{name: "upper-case alias", files: map[string]string{"config": "Host WEB*\n  User upper\n  IdentityAgent /a/%h/%n/%k\n"}, alias: "WEB1"},
		{name: "hostname with %h", files: map[string]string{"config": "Host *\n  HostName %h.internal.example.com\n"}, alias: "Node7"},
		{name: "hostname %%", files: map[string]string{"config": "Host *\n  HostName x%%y%h\n"}, alias: "n"},
		{name: "equals and quotes", files: map[string]string{"config": "Host=web1\n  User = \"alice\"\n  Port=2200\n"}, alias: "web1"},
		{name: "keyword case", files: map[string]string{"config": "HOST web1\n  USER alice\n  hostname h\n"}, alias: "web1"},
		{name: "override beats config", files: map[string]string{"config": "Host web1\n  User alice\n  Port 2200\n  IdentityAgent /s/%r/%p\n"}, alias: "web1", override: Override{User: "zed", Port: 99}},
		{name: "timeouts and keepalive", files: map[string]string{"config": "Host *\n  ConnectTimeout 1m30s\n  ServerAliveInterval 7\n  ServerAliveCountMax 5\n"}, alias: "x"},
		{name: "keepalive disabled", files: map[string]string{"config": "Host *\n  ServerAliveInterval 0\n  ConnectTimeout 3\n"}, alias: "x"},
		{name: "strict accept-new", files: map[string]string{"config": "Host x\n  StrictHostKeyChecking accept-new\nHost *\n  StrictHostKeyChecking no\n"}, alias: "x"},
		{name: "strict no", files: map[string]string{"config": "Host *\n  StrictHostKeyChecking no\n"}, alias: "x"},
		{name: "known hosts files with tokens", files: map[string]string{"config": "Host *\n  HostName real.%h\n  UserKnownHostsFile ~/kh_%h {{dir}}/kh_%p_%r %d/x\n"}, alias: "x"},
		{name: "identity agent tokens", files: map[string]string{"config": "Host x\n  HostName H.example\n  User bob\n  Port 2022\n  IdentityAgent /run/%C/%d/%h/%i/%k/%L/%l/%n/%p/%r/%u/%%\n"}, alias: "x"},
		{name: "identity agent tilde", files: map[string]string{"config": "Host *\n  IdentityAgent ~/agent.sock\n"}, alias: "x"},
		{name: "identity agent none", files: map[string]string{"config": "Host *\n  IdentityAgent none\n  IdentitiesOnly yes\n"}, alias: "x"},
		{name: "identity files accumulate", files: map[string]string{"config": "Host x\n  IdentityFile {{dir}}/k1\nHost *\n  IdentityFile {{dir}}/k2\n  IdentityFile \"{{dir}}/k 3\"\n"}, alias: "x",
			wantIDs: []string{"{{dir}}/k1", "{{dir}}/k2", "{{dir}}/k 3"}},
		{name: "identity file tokens", files: map[string]string{"config": "Host x\n  HostName Real\n  User bob\n  Port 2\n  IdentityFile ~/.ssh/id_%h_%r_%p_%u_%n\n"}, alias: "x",
			wantIDs: []string{"{{home}}/.ssh/id_real_bob_2_{{user}}_x"}},
		{name: "proxy jump and command", files: map[string]string{"config": "Host a\n  ProxyJump j1,u@j2:22\nHost b\n  ProxyCommand nc %h %p\n"}, alias: "a"},
		{name: "proxy command", files: map[string]string{"config": "Host a\n  ProxyJump j1,u@j2:22\nHost b\n  ProxyCommand nc %h %p\n"}, alias: "b"},
		{name: "proxy jump none", files: map[string]string{"config": "Host a\n  ProxyJump none\nHost *\n  ProxyJump j\n"}, alias: "a"},
		{name: "include absolute", files: map[string]string{
			"config":  "Include {{dir}}/inc1\nHost *\n  User late\n",
			"inc1":    "Host web1\n  User included\n  Port 1234\n",
			"unused1": "Host *\n  User nope\n"}, alias: "web1"},
		{name: "include glob in order", files: map[string]string{
			"config":        "Include {{dir}}/conf.d/*.conf\n",
			"conf.d/b.conf": "Host *\n  User from-b\n  Port 2\n",
			"conf.d/a.conf": "Host *\n  User from-a\n"}, alias: "web1"},
		{name: "include inside non-matching host", files: map[string]string{
			"config": "Host other\n  Include {{dir}}/inc\nHost *\n  User outer\n",
			"inc":    "User inner\n"}, alias: "web1"},
		{name: "include inside matching host", files: map[string]string{
			"config": "Host web1\n  Include {{dir}}/inc\n  Port 5\nHost *\n  User outer\n",
			"inc":    "User inner\nHost nomatch\n  Port 6\n"}, alias: "web1"},
		{name: "include missing glob", files: map[string]string{"config": "Include {{dir}}/none/*\nHost *\n  User u\n"}, alias: "x"},
		{name: "match all and host", files: map[string]string{"config": "Host web1\n  HostName real.example.com\nMatch host *.example.com\n  User matched\nMatch all\n  Port 44\n"}, alias: "web1"},
		{name: "match originalhost and user", files: map[string]string{"config": "Host *\n  User deploy\nMatch originalhost web* user deploy\n  Port 45\nMatch user other\n  Port 46\n"}, alias: "web1"},
		{name: "match host list negation", files: map[string]string{"config": "Match host web*,!web2\n  Port 47\nHost *\n  Port 48\n"}, alias: "web2"},
	}
	u := localUser(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			file := filepath.Join(dir, "config")
			c, err := Load(Options{UserFile: file, HomeDir: u.HomeDir, LocalUser: u.Username})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ResolveWith(tt.alias, tt.override)
			if err != nil {
				t.Fatal(err)
			}
			want := sshG(t, file, tt.alias, tt.override)
			check := func(key, gotV, wantV string) {
				t.Helper()
				if gotV != wantV {
					t.Errorf("%s: got %q, ssh -G %q", key, gotV, wantV)
				}
			}
			check("hostname", got.HostName, one(want, "hostname"))
			check("user", got.User, one(want, "user"))
			check("port", strconv.Itoa(got.Port), one(want, "port"))
			ct := "none"
			if got.Has("connecttimeout") {
				ct = strconv.Itoa(int(got.ConnectTimeout / time.Second))
			}
			check("connecttimeout", ct, one(want, "connecttimeout"))
			check("serveraliveinterval", strconv.Itoa(int(got.ServerAliveInterval/time.Second)), one(want, "serveraliveinterval"))
			cm := 3
			if got.Has("serveralivecountmax") {
				cm = got.ServerAliveCountMax
			}
			check("serveralivecountmax", strconv.Itoa(cm), one(want, "serveralivecountmax"))
			strict := "ask"
			if got.Has("stricthostkeychecking") {
				strict = normalizeStrict(got.StrictHostKeyChecking)
			}
			check("stricthostkeychecking", strict, normalizeStrict(one(want, "stricthostkeychecking")))
			if got.Has("userknownhostsfile") {
				check("userknownhostsfile", strings.Join(got.UserKnownHostsFiles, " "), one(want, "userknownhostsfile"))
			}
			check("identityagent", got.IdentityAgent, one(want, "identityagent"))
			check("identitiesonly", map[bool]string{true: "yes", false: "no"}[got.IdentitiesOnly], one(want, "identitiesonly"))
			check("proxyjump", got.ProxyJump, one(want, "proxyjump"))
			check("proxycommand", got.ProxyCommand, one(want, "proxycommand"))
			if got.Has("identityfile") {
				if len(got.IdentityFiles) != len(want["identityfile"]) {
					t.Errorf("identityfile: got %q, ssh -G %q", got.IdentityFiles, want["identityfile"])
				}
			}
			if tt.wantIDs != nil {
				r := strings.NewReplacer("{{dir}}", dir, "{{home}}", u.HomeDir, "{{user}}", u.Username)
				var wantIDs []string
				for _, w := range tt.wantIDs {
					wantIDs = append(wantIDs, r.Replace(w))
				}
				if !slices.Equal(got.IdentityFiles, wantIDs) {
					t.Errorf("identity files %q, want %q", got.IdentityFiles, wantIDs)
				}
			}
		})
	}
}

// TestAlgorithmsAgainstOpenSSH resolves KexAlgorithms, HostKeyAlgorithms,
// Ciphers and MACs written in OpenSSH's syntax (+, -, ^, patterns) and
// compares the lists with ssh -G's, where both implement the algorithms.
func TestAlgorithmsAgainstOpenSSH(t *testing.T) {
	requireSSH(t)
	var xcrypto []string // every algorithm x/crypto/ssh implements
	for _, k := range sshalgo.Kinds {
		xcrypto = append(xcrypto, sshalgo.Known(k)...)
	}
	tests := []struct {
		name, config string
	}{
		{"defaults", ""},
		{"append", "HostKeyAlgorithms +ssh-rsa\n  KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group1-sha1\n  MACs +hmac-sha1-96\n  Ciphers +aes128-cbc\n"},
		{"remove with patterns", "HostKeyAlgorithms -*-cert-v01@openssh.com\n  KexAlgorithms -ecdh-*\n  MACs -*-etm@openssh.com\n  Ciphers -aes*-ctr\n"},
		{"first", "HostKeyAlgorithms ^ssh-rsa,ssh-ed25519\n  KexAlgorithms ^diffie-hellman-group14-sha1\n  MACs ^hmac-sha1\n  Ciphers ^aes128-cbc\n"},
		{"replace", "HostKeyAlgorithms ssh-ed25519,rsa-sha2-256\n  KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha1\n  MACs hmac-sha2-256\n  Ciphers aes256-ctr,3des-cbc\n"},
		{"replace with a pattern", "HostKeyAlgorithms ecdsa-sha2-*\n"},
		{"names only OpenSSH implements", "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n  MACs -umac-64@openssh.com,hmac-sha1\n  HostKeyAlgorithms +ssh-dss\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(writeFiles(t, map[string]string{"config": "Host *\n  " + tt.config}), "config")
			c, err := Load(Options{UserFile: file, LocalUser: "me"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Resolve("x")
			if err != nil {
				t.Fatal(err)
			}
			want := sshG(t, file, "x", Override{})
			for _, k := range sshalgo.Kinds {
				spec := [][]string{got.KexAlgorithms, got.HostKeyAlgorithms, got.Ciphers, got.MACs}[k]
				ours, err := sshalgo.ResolveSSHConfig(k, spec)
				if err != nil {
					t.Fatal(err)
				}
				q, err := exec.Command("ssh", "-Q", k.Option()).Output()
				if err != nil {
					t.Fatalf("ssh -Q %s: %v", k.Option(), err)
				}
				sshKnows := strings.Fields(string(q))
				ours = slices.DeleteFunc(ours, func(a string) bool { return !slices.Contains(sshKnows, a) })
				theirs := slices.DeleteFunc(strings.Split(one(want, strings.ToLower(k.Option())), ","), func(a string) bool { return !slices.Contains(xcrypto, a) })
				if k == sshalgo.Cipher {
					// pssh orders its default ciphers by CPU: compare sets.
					slices.Sort(ours)
					slices.Sort(theirs)
				}
				if !slices.Equal(ours, theirs) {
					t.Errorf("%s %q: pssh %v, ssh -G %v", k.Option(), spec, ours, theirs)
				}
			}
		})
	}
}

// TestIdentityFileTokensAsAgent checks the IdentityFile expansion against
// ssh -G, which prints IdentityFile unexpanded but IdentityAgent expanded
// with the same tokens.
func TestIdentityFileTokensAsAgent(t *testing.T) {
	requireSSH(t)
	u := localUser(t)
	tmpl := "~/k/%C-%d-%h-%i-%k-%L-%l-%n-%p-%r-%u-%%"
	dir := writeFiles(t, map[string]string{"config": "Host Alias\n  HostName Target.%h\n  User bob\n  Port 2022\n  IdentityFile " + tmpl + "\n  IdentityAgent " + tmpl + "\n"})
	file := filepath.Join(dir, "config")
	c, err := Load(Options{UserFile: file, HomeDir: u.HomeDir, LocalUser: u.Username})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Resolve("Alias")
	if err != nil {
		t.Fatal(err)
	}
	want := one(sshG(t, file, "Alias", Override{}), "identityagent")
	if len(got.IdentityFiles) != 1 || got.IdentityFiles[0] != want || got.IdentityAgent != want {
		t.Errorf("identity file %q, agent %q; ssh -G expands to %q", got.IdentityFiles, got.IdentityAgent, want)
	}
}

// TestIncludeRelative checks that relative Include paths are taken from
// ~/.ssh for the user file and /etc/ssh for the system file. (ssh -G would
// read the real ~/.ssh, so this one has no oracle.)
func TestIncludeRelative(t *testing.T) {
	home := writeFiles(t, map[string]string{
		".ssh/config":        "Include conf.d/*\nInclude ~/other\n",
		".ssh/conf.d/01":     "Host web*\n  User from-01\n",
		".ssh/conf.d/02":     "Host *\n  User from-02\n  Port 2202\n",
		"other":              "Host *\n  IdentityFile %d/id_other\n",
		"unrelated/conf.d/0": "Host *\n  Port 1\n",
	})
	c, err := Load(Options{UserFile: filepath.Join(home, ".ssh", "config"), HomeDir: home, LocalUser: "me"})
	if err != nil {
		t.Fatal(err)
	}
	for alias, want := range map[string]Settings{
		"web1": {User: "from-01", Port: 2202, IdentityFiles: []string{home + "/id_other"}},
		"db1":  {User: "from-02", Port: 2202, IdentityFiles: []string{home + "/id_other"}},
	} {
		got, err := c.Resolve(alias)
		if err != nil {
			t.Fatal(err)
		}
		if got.User != want.User || got.Port != want.Port || !slices.Equal(got.IdentityFiles, want.IdentityFiles) {
			t.Errorf("%s: user %q port %d ids %q, want %q %d %q", alias, got.User, got.Port, got.IdentityFiles, want.User, want.Port, want.IdentityFiles)
		}
	}
}

// TestUserFileBeforeSystemFile: the user file's values win over the system
// file's, and a missing default file is skipped.
func TestUserFileBeforeSystemFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"user":   "Host *\n  User u1\n",
		"system": "Host *\n  User u2\n  Port 2022\n",
	})
	c, err := Load(Options{UserFile: filepath.Join(dir, "user"), SystemFile: filepath.Join(dir, "system"), LocalUser: "me"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Resolve("h")
	if err != nil {
		t.Fatal(err)
	}
	if s.User != "u1" || s.Port != 2022 {
		t.Errorf("user %q port %d, want u1 2022", s.User, s.Port)
	}
	if _, err := Load(Options{UserFile: filepath.Join(dir, "missing"), IgnoreMissing: true}); err != nil {
		t.Errorf("missing default file: %v", err)
	}
	if _, err := Load(Options{UserFile: filepath.Join(dir, "missing")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file given: %v, want ErrNotExist", err)
	}
}

// TestErrorsNameFileAndLine: bad values and unsupported directives are
// errors that name the file and line.
func TestErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name    string
		content string
		alias   string
		inc     string // content of "inc", included by the test when set
		want    string // file:line prefix, file relative to dir
	}{
		{"bad port", "Host *\n\n  Port abc\n", "x", "", "config:3:"},
		{"bad timeout", "Host x\n  ConnectTimeout soon\n", "x", "", "config:2:"},
		{"match exec unknown token", "Host a\n  User u\nMatch exec \"test %z\"\n  User v\n", "x", "", "config:3:"},
		{"match unknown criterion", "Match canonical bogus x\n", "x", "", "config:1:"},
		{"match all not last", "Match all host x\n", "x", "", "config:1:"},
		{"unknown keyword", "Host nomatch\n  Bogus 1\n", "x", "", "config:2:"},
		{"extra arguments", "Host *\n  User a b\n", "x", "", "config:2:"},
		{"bad cipher in a block that does not apply", "Host nomatch\n  Ciphers aes*\n", "x", "", "config:2:"},
		{"bad proxyjump", "ProxyJump u@\n", "x", "", "config:1:"},
		{"unknown token", "Host *\n  IdentityFile ~/id_%z\n", "x", "", "config:2:"},
		{"bad strict", "Host *\n  StrictHostKeyChecking maybe\n", "x", "", "config:2:"},
		{"unknown algorithm", "Host *\n  User u\n  HostKeyAlgorithms +ssh-rsa,rot13\n", "x", "", "config:3:"},
		{"error in included file", "Include {{dir}}/inc\n", "x", "Host *\n  User u\n  Port 0\n", "inc:3:"},
		{"unterminated include nest", "Include {{dir}}/config\n", "x", "", "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"config": tt.content}
			if tt.inc != "" {
				files["inc"] = tt.inc
			}
			dir := writeFiles(t, files)
			c, err := Load(Options{UserFile: filepath.Join(dir, "config"), LocalUser: "me"})
			if err == nil {
				_, err = c.Resolve(tt.alias)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, tt.want)) {
				t.Errorf("error %q does not start with %q", err, filepath.Join(dir, tt.want))
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0": 0, "10": 10 * time.Second, "10s": 10 * time.Second, "1m30s": 90 * time.Second,
		"2h": 2 * time.Hour, "1d": 24 * time.Hour, "1w": 7 * 24 * time.Hour, "1M": time.Minute,
	} {
		if got, err := parseTime(in); err != nil || got != want {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1x", "-1", "s"} {
		if _, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q): no error", in)
		}
	}
}
