package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// parseWithEnv parses a root command line as pssh would with the
// environment env (its config file found through env's XDG_CONFIG_HOME or
// HOME), and returns the options the run would get.
func parseWithEnv(t *testing.T, env map[string]string, args ...string) (*rootOptions, runResult) {
	t.Helper()
	ios := testStreams("")
	ios.getenv = func(name string) string { return env[name] }
	var got *rootOptions
	root := newCmdRoot(ios, func(o *rootOptions) error { got = o; return nil })
	cmd, err := execute(root, args)
	code := exitStatusFor(ios.ErrOut, cmd, err)
	return got, runResult{stdout: ios.Out.(*syncBuffer).String(), stderr: ios.ErrOut.(*syncBuffer).String(), code: code}
}

// writeConfig writes text as pssh's config file under a new
// XDG_CONFIG_HOME, and returns that directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pssh", "config"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEnvDefaults(t *testing.T) {
	env := map[string]string{
		"PSSH_PAR": "7", "PSSH_TIMEOUT": "2.5", "PSSH_USER": "bob", "PSSH_OPTIONS": "Port=2222",
		"PSSH_HOSTS": "/etc/hosts.pssh", "PSSH_VERBOSE": "1", "PSSH_ASKPASS": "yes",
	}
	o, r := parseWithEnv(t, env, "true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if o.par != 7 || o.timeout != 2500*time.Millisecond || o.user != "bob" || !slices.Equal(o.sshOptions, []string{"Port=2222"}) ||
		!slices.Equal(o.hostFiles, []string{"/etc/hosts.pssh"}) || !o.verbose || !o.askPass {
		t.Errorf("from the environment: %+v", o.runOptions)
	}

	// Flags beat the environment; a host flag sets PSSH_HOSTS aside.
	o, _ = parseWithEnv(t, env, "-p", "3", "-l", "amy", "-O", "User=x", "-w", "web1", "true")
	if o.par != 3 || o.user != "amy" || !slices.Equal(o.sshOptions, []string{"User=x"}) || o.hostFiles != nil ||
		!slices.Equal(o.hostLists, []string{"web1"}) {
		t.Errorf("flags and the environment: %+v", o.runOptions)
	}

	// A switch's variable set to a no word leaves it off; a bad value is a
	// usage error naming the variable.
	o, _ = parseWithEnv(t, map[string]string{"PSSH_VERBOSE": "no"}, "true")
	if o.verbose {
		t.Error("PSSH_VERBOSE=no turned -v on")
	}
	_, r = parseWithEnv(t, map[string]string{"PSSH_PAR": "many"}, "true")
	if want := "pssh: $PSSH_PAR: -p: \"many\" is not a whole number of at least 1\n"; r.code != exitUsage || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestConfigFileDefaults(t *testing.T) {
	dir := writeConfig(t, `# pssh defaults
par = 9
timeout=4
json
host-glob = web*
host-glob = db*
inline = no
--user = carl

[cp]
par = 2
[pssh]
host = web1,db1
`)
	env := map[string]string{"XDG_CONFIG_HOME": dir, "PSSH_TIMEOUT": "5"}
	o, r := parseWithEnv(t, env, "true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if o.par != 9 || o.timeout != 5*time.Second || !o.json || o.inline || o.user != "carl" ||
		!slices.Equal(o.globs, []string{"web*", "db*"}) || !slices.Equal(o.hostLists, []string{"web1,db1"}) {
		t.Errorf("from the file (and PSSH_TIMEOUT): %+v", o.runOptions)
	}
	// The command line beats the file: its hosts set the file's aside, and
	// a repeatable flag given replaces the file's values.
	o, _ = parseWithEnv(t, env, "-h", "f", "-g", "x*", "-p", "1", "true")
	if o.par != 1 || o.hostLists != nil || !slices.Equal(o.hostFiles, []string{"f"}) || !slices.Equal(o.globs, []string{"x*"}) {
		t.Errorf("command line and file: %+v", o.runOptions)
	}
	// Without XDG_CONFIG_HOME, ~/.config/pssh/config.
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".config"), 0o700)
	os.Rename(filepath.Join(dir, "pssh"), filepath.Join(home, ".config", "pssh"))
	o, _ = parseWithEnv(t, map[string]string{"HOME": home}, "true")
	if o.par != 9 {
		t.Errorf("~/.config/pssh/config not read: par %d", o.par)
	}

	for _, tt := range []struct{ text, msg string }{
		{"par = 2\nbogus = 1\n", "config:2: unknown flag --bogus"},
		{"\n\npar = lots\n", `config:3: -p: "lots" is not a whole number of at least 1`},
		{"json = maybe\n", `config:1: --json takes yes or no, not "maybe"`},
		{"= 3\n", "config:1: want name = value"},
	} {
		env := map[string]string{"XDG_CONFIG_HOME": writeConfig(t, tt.text)}
		_, r := parseWithEnv(t, env, "-H", "h", "true")
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %q", tt.text, r.code, r.stderr, tt.msg)
		}
	}
}

// TestDefaultsEndToEnd runs pssh with its hosts, user, key and known_hosts
// from PSSH_HOSTS and the config file alone, and the [cp] section reaching
// pssh cp.
func TestDefaultsEndToEnd(t *testing.T) {
	b := newBed(t, 3)
	dir := writeConfig(t, "key = "+b.keyFile+"\noption = UserKnownHostsFile="+b.known+"\n[cp]\npar = 0\n")
	env := []string{"XDG_CONFIG_HOME=" + dir, "PSSH_HOSTS=" + b.hostsFile, "PSSH_USER=tester", "PSSH_INLINE=1"}
	r := psshEnv(t, env, "", "echo hi")
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "[SUCCESS]"); n != 3 || strings.Count(r.stdout, "\nhi\n") != 3 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = psshEnv(t, env, "", "cp", "x", "/tmp/x")
	if r.code != exitUsage || !strings.Contains(r.stderr, `config:4: -p: "0" is not a whole number of at least 1`) {
		t.Errorf("cp: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestColorFlag checks --color against a pipe and a terminal, and that the
// progress line fits a narrow terminal.
func TestColorFlag(t *testing.T) {
	b := newBed(t, 3)
	r := runPssh(t, append(b.flags(), "--color", "always", "true")...)
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, green+"[SUCCESS]"+reset); n != 3 {
		t.Errorf("--color always to a pipe:\n%q", r.stdout)
	}
	r = runPssh(t, append(b.flags(), "--color=never", "true")...)
	if strings.Contains(r.stdout, "\033") {
		t.Errorf("--color never:\n%q", r.stdout)
	}
	p := startPty(t, []string{"NO_COLOR=1"}, append(b.flags(), "--color", "always", "true")...)
	p.wait(t)
	if out := p.output(); !strings.Contains(out, green+"[SUCCESS]"+reset) || !strings.Contains(out, "[pssh] ") {
		t.Errorf("--color always beats NO_COLOR on a terminal:\n%q", out)
	}
	p = startPty(t, []string{"NO_COLOR="}, append(b.flags(), "--color", "never", "true")...)
	p.wait(t)
	if out := p.output(); strings.Contains(out, "\033") || strings.Contains(out, "[pssh]") {
		t.Errorf("--color never on a terminal:\n%q", out)
	}

	const cols = 30
	p = startPtySize(t, cols, []string{"NO_COLOR="}, append(b.flags(), "true")...)
	p.wait(t)
	out := p.output()
	shown := 0
	for _, seg := range strings.Split(out, "\r") {
		seg = strings.TrimPrefix(seg, "\033[K")
		if !strings.HasPrefix(seg, "[pssh]") {
			continue
		}
		shown++
		if len(seg) > cols-1 {
			t.Errorf("progress line %q is wider than %d-1 columns", seg, cols)
		}
	}
	if shown == 0 || strings.Contains(out, "elapsed") {
		t.Errorf("%d progress lines; output:\n%q", shown, out)
	}
}

// TestVersion checks what pssh --version prints from the build
// information: the module version, the VCS revision, the Go version.
func TestVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/gopssh/pssh", Version: "v0.0.0-20261129115303-4edcf05c4f84+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "4edcf05c4f841ee2422553094b78a6f5b48e49e4"},
			{Key: "vcs.time", Value: "2026-11-29T11:53:03Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tt := range []struct {
		version string
		info    *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"devel", info, true, "pssh v0.0.0-20261129115303-4edcf05c4f84+dirty\nrevision 4edcf05c4f841ee2422553094b78a6f5b48e49e4 (2026-11-29T11:53:03Z), modified\ngithub.com/gopssh/pssh go1.26.8\n"},
		{"v1.2.0", info, true, "pssh v1.2.0\nrevision 4edcf05c4f841ee2422553094b78a6f5b48e49e4 (2026-11-29T11:53:03Z), modified\ngithub.com/gopssh/pssh go1.26.8\n"},
		{"devel", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/gopssh/pssh", Version: "(devel)"}}, true,
			"pssh (devel)\nrevision unknown: built without VCS information (-buildvcs=false, or a git worktree)\ngithub.com/gopssh/pssh go1.26.8\n"},
		{"devel", nil, false, "pssh devel\n"},
	} {
		if got := formatVersion(tt.version, tt.info, tt.ok); got != tt.want {
			t.Errorf("got\n%s\nwant\n%s", got, tt.want)
		}
	}
	// The binary prints its own: the test binary is built without VCS
	// information in a git worktree, whose .git is a file, and with it in
	// a checkout.
	for _, flag := range []string{"--version", "-V"} {
		r := runPssh(t, flag)
		if l := lines(r.stdout); r.code != 0 || len(l) != 3 || !strings.HasPrefix(l[0], "pssh ") || !strings.HasPrefix(l[1], "revision ") ||
			!strings.HasPrefix(l[2], "github.com/gopssh/pssh go1.") {
			t.Errorf("%s: exit %d, %q", flag, r.code, r.stdout)
		}
	}
}
