package main

// End-to-end tests: the pssh binary, built once in TestMain, run with real
// flags against in-process sshtest servers (and, in openssh_test.go, a real
// sshd).

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

var psshBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzzing worker runs only the fuzz target, which needs no binary.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "pssh-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	psshBin = filepath.Join(dir, "pssh")
	// The pssh the tests start must get the signals the tests send with
	// their default action. A test run under nohup, or as a background job
	// of a script, has SIGHUP (or SIGINT) ignored and would pass that on to
	// every pssh, which keeps an ignored signal ignored, as it should: the
	// interrupt tests would wait forever. A signal this process catches is
	// back to its default in the programs it starts.
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM} {
		if signal.Ignored(sig) {
			signal.Notify(make(chan os.Signal, 1), sig)
		}
	}
	// Runs record their failed hosts (see lastrun.go): never in the
	// machine's own state directory. Tests of the record set their own.
	os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	args := []string{"build", "-o", psshBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building pssh:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bed is a set of test servers and the files a pssh client needs for them.
type bed struct {
	fleet     *sshtest.Fleet
	port      int
	dir       string
	keyFile   string
	known     string
	hostsFile string
}

// newBed starts n servers on 127.0.0.1..n, all on one port, accepting one
// client key, with extra environment env for the commands.
func newBed(t *testing.T, n int, env ...string) *bed {
	t.Helper()
	key := clientKey(t)
	fleet, err := startFleet(n, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return bedFor(t, fleet)
}

// bedFor writes the files for fleet, whose servers accept clientKey, and
// closes the fleet at the end of the test.
func bedFor(t *testing.T, fleet *sshtest.Fleet) *bed {
	t.Helper()
	t.Cleanup(func() { fleet.Close() })
	key := clientKey(t)
	b := &bed{fleet: fleet, port: fleet.Servers[0].Port(), dir: t.TempDir()}
	b.keyFile = filepath.Join(b.dir, "id_ed25519")
	b.known = filepath.Join(b.dir, "known_hosts")
	b.hostsFile = filepath.Join(b.dir, "hosts")
	var hosts bytes.Buffer
	for _, a := range fleet.Addrs() {
		fmt.Fprintf(&hosts, "tester@%s\n", a)
	}
	for name, data := range map[string][]byte{b.keyFile: key.PEM, b.known: fleet.KnownHosts(), b.hostsFile: hosts.Bytes()} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

var (
	keyOnce sync.Once
	theKey  *sshtest.Key
	keyErr  error
)

// clientKey returns the client key every bed accepts, so that one pssh run
// can address several beds.
func clientKey(t *testing.T) *sshtest.Key {
	keyOnce.Do(func() { theKey, keyErr = sshtest.GenerateKey() })
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	return theKey
}

// auth returns the flags that log in to the bed's servers.
func (b *bed) auth() []string {
	return []string{"--key", b.keyFile, "-O", "UserKnownHostsFile=" + b.known, "-l", "tester"}
}

// flags returns the flags for all the bed's hosts.
func (b *bed) flags() []string { return append([]string{"-h", b.hostsFile}, b.auth()...) }

// hosts returns the display names of the bed's hosts, 127.0.0.N:PORT.
func (b *bed) hosts() []string { return b.fleet.Addrs() }

type runResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// psshIn runs the binary with args and stdin, without a terminal.
func psshIn(t *testing.T, stdin string, args ...string) runResult {
	t.Helper()
	return psshEnv(t, nil, stdin, args...)
}

// psshEnv is psshIn with extra environment variables ("NAME=value").
func psshEnv(t *testing.T, env []string, stdin string, args ...string) runResult {
	t.Helper()
	return psshWrapped(t, nil, env, stdin, args...)
}

// psshWrapped is psshEnv with the binary started by the command wrap
// (with the binary and args appended), e.g. a shell that sets a limit
// first; nil starts it directly.
func psshWrapped(t *testing.T, wrap, env []string, stdin string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append(slices.Clone(wrap), psshBin), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// A home of its own: the machine's ~/.ssh/config, known_hosts and
	// pssh config file must not change what the tests see.
	cmd.Env = append(append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="), env...)
	begin := time.Now()
	err := cmd.Run()
	r := runResult{stdout: out.String(), stderr: errb.String(), took: time.Since(begin)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running pssh %q: %v", args, err)
	}
	return r
}

func runPssh(t *testing.T, args ...string) runResult {
	t.Helper()
	return psshIn(t, "", args...)
}

// lines splits output into lines, without the last empty one.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

var statusRE = regexp.MustCompile(`^\[(\d+)\] \d\d:\d\d:\d\d \[(SUCCESS|FAILURE)\] (\S+)(?: (.*))?$`)

type status struct {
	n      int
	ok     bool
	host   string
	reason string
}

// statuses parses the default view's lines; any other line fails the test.
func statuses(t *testing.T, out string) map[string]status {
	t.Helper()
	got := map[string]status{}
	seen := map[int]bool{}
	for _, l := range lines(out) {
		m := statusRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unexpected line %q in\n%s", l, out)
		}
		n, _ := strconv.Atoi(m[1])
		if seen[n] {
			t.Errorf("number [%d] twice", n)
		}
		seen[n] = true
		if _, dup := got[m[3]]; dup {
			t.Errorf("host %s reported twice", m[3])
		}
		got[m[3]] = status{n, m[2] == "SUCCESS", m[3], m[4]}
	}
	for i := 1; i <= len(got); i++ {
		if !seen[i] {
			t.Errorf("no line numbered [%d] in\n%s", i, out)
		}
	}
	return got
}

func wantCode(t *testing.T, r runResult, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func TestDefaultViewSuccess(t *testing.T) {
	b := newBed(t, 5)
	r := runPssh(t, append(b.flags(), "echo", "hi")...)
	wantCode(t, r, 0)
	st := statuses(t, r.stdout)
	if len(st) != 5 {
		t.Fatalf("%d hosts reported, want 5:\n%s", len(st), r.stdout)
	}
	for _, h := range b.hosts() {
		if s, ok := st[h]; !ok || !s.ok || s.reason != "" {
			t.Errorf("host %s: %+v", h, s)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr not empty: %q", r.stderr)
	}
}

func TestExitStatuses(t *testing.T) {
	b := newBed(t, 3)
	refused := "127.0.0.1:1"
	noKeys := filepath.Join(t.TempDir(), "empty_known_hosts")
	os.WriteFile(noKeys, nil, 0o600)
	h1 := b.hosts()[0]
	tests := []struct {
		name   string
		args   []string
		code   int
		reason string // in the status line of the failing host(s)
	}{
		{"success", append(b.flags(), "true"), 0, ""},
		{"non-zero", append(b.flags(), "exit 7"), 5, "exited 7"},
		{"timeout", append(b.flags(), "-t", "0.3", "sleep 30"), 3, "timed out after 0.3s (-t 0.3)"},
		{"signal", append(b.flags(), "kill -KILL $$"), 3, "killed by signal KILL"},
		{"refused", append(b.auth(), "-H", refused, "true"), 4, "connection refused"},
		{"refused beats non-zero", append(b.flags(), "-H", refused, "exit 1"), 4, ""},
		{"timeout beats refused", append(b.flags(), "-H", refused, "-t", "0.3", "sleep 30"), 3, ""},
		{"host key", []string{"-H", h1, "--key", b.keyFile, "-O", "UserKnownHostsFile=" + noKeys, "true"}, 4, "unknown host key (not in " + noKeys + "; --known-hosts accept-new trusts new hosts)"},
		{"missing key file", []string{"-H", h1, "--key", filepath.Join(b.dir, "nope"), "true"}, 1, ""},
		{"unknown flag", []string{"-H", h1, "--nope", "true"}, 2, ""},
		{"no command", []string{"-H", h1}, 2, ""},
		{"no hosts", []string{"true"}, 2, ""},
		{"bad range", []string{"-H", "web[1-", "true"}, 2, ""},
		{"bad -p", []string{"-H", h1, "-p", "0", "true"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPssh(t, tt.args...)
			wantCode(t, r, tt.code)
			if tt.code == 2 && !strings.Contains(r.stderr, "pssh --help") {
				t.Errorf("usage error without a hint: %q", r.stderr)
			}
			if tt.reason == "" {
				return
			}
			for h, s := range statuses(t, r.stdout) {
				if s.ok || s.reason != tt.reason {
					t.Errorf("host %s: %+v, want FAILURE %q", h, s, tt.reason)
				}
			}
		})
	}
}

func TestAuthenticationFailure(t *testing.T) {
	b := newBed(t, 2)
	for _, s := range b.fleet.Servers {
		s.SetFaults(sshtest.Faults{RejectAuth: true})
	}
	r := runPssh(t, append(b.flags(), "-v", "true")...)
	wantCode(t, r, 4)
	for _, s := range statuses(t, r.stdout) {
		if s.reason != "authentication failed" {
			t.Errorf("%+v", s)
		}
	}
	if !strings.Contains(r.stderr, "authentication failed for tester@") {
		t.Errorf("-v did not print the full error: %q", r.stderr)
	}
}

func TestInline(t *testing.T) {
	b := newBed(t, 3)
	r := runPssh(t, append(b.flags(), "-i", "echo out; echo err >&2")...)
	wantCode(t, r, 0)
	l := lines(r.stdout)
	if len(l) != 9 {
		t.Fatalf("%d lines, want 9:\n%s", len(l), r.stdout)
	}
	for i := 0; i < 9; i += 3 {
		if m := statusRE.FindStringSubmatch(l[i]); m == nil || m[2] != "SUCCESS" {
			t.Errorf("line %d: %q", i, l[i])
		}
		if l[i+1] != "out" || l[i+2] != "Stderr: err" {
			t.Errorf("lines %d-%d: %q", i+1, i+2, l[i+1:i+3])
		}
	}
	r = runPssh(t, append(b.flags(), "--inline-stdout", "echo out; echo err >&2")...)
	if n := strings.Count(r.stdout, "out\n"); n != 3 || strings.Contains(r.stdout, "Stderr") {
		t.Errorf("--inline-stdout:\n%s", r.stdout)
	}
}

func TestPrintPrefixesLines(t *testing.T) {
	b := newBed(t, 2)
	r := runPssh(t, append(b.flags(), "-P", "echo one; echo two; echo e >&2; printf last")...)
	wantCode(t, r, 0)
	for _, h := range b.hosts() {
		var mine []string
		for _, l := range lines(r.stdout) {
			if rest, ok := strings.CutPrefix(l, h+": "); ok {
				mine = append(mine, rest)
			}
		}
		if !slices.Equal(mine, []string{"one", "two", "last"}) {
			t.Errorf("%s: stdout lines %q", h, mine)
		}
		if !strings.Contains(r.stderr, h+": e\n") {
			t.Errorf("%s: stderr %q", h, r.stderr)
		}
	}
	if st := 0; true {
		for _, l := range lines(r.stdout) {
			if statusRE.MatchString(l) {
				st++
			}
		}
		if st != 2 {
			t.Errorf("%d status lines, want 2", st)
		}
	}
}

func TestSendInput(t *testing.T) {
	b := newBed(t, 3)
	r := psshIn(t, "line 1\nline 2\n", append(b.flags(), "-I", "-i", "cat; echo end")...)
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "line 1\nline 2\nend\n"); n != 3 {
		t.Errorf("stdin reached %d hosts, want 3:\n%s", n, r.stdout)
	}
	// Without -I, the command's stdin is closed: cat ends at once.
	r = psshIn(t, "ignored\n", append(b.flags(), "-i", "cat; echo end")...)
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, "ignored") || strings.Count(r.stdout, "end\n") != 3 {
		t.Errorf("without -I:\n%s", r.stdout)
	}
}

func TestOutAndErrDirs(t *testing.T) {
	b := newBed(t, 3)
	out, errd := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "err")
	r := runPssh(t, append(b.flags(), "-o", out, "-e", errd, "echo to-out; echo to-err >&2; printf no-newline")...)
	wantCode(t, r, 0)
	for _, h := range b.hosts() {
		got, err := os.ReadFile(filepath.Join(out, h))
		if err != nil || string(got) != "to-out\nno-newline" {
			t.Errorf("%s stdout file: %q %v", h, got, err)
		}
		got, err = os.ReadFile(filepath.Join(errd, h))
		if err != nil || string(got) != "to-err\n" {
			t.Errorf("%s stderr file: %q %v", h, got, err)
		}
	}
	if len(statuses(t, r.stdout)) != 3 {
		t.Errorf("status lines:\n%s", r.stdout)
	}
}

// testStreams are streams for pssh run in the test process: stdin reads
// input, stdout and stderr are kept (see output), no terminal.
func testStreams(input string) *ioStreams {
	return &ioStreams{In: strings.NewReader(input), Out: new(syncBuffer), ErrOut: new(syncBuffer)}
}

// syncBuffer is a bytes.Buffer that goroutines may write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runIn runs pssh with args in the test process on ios, as run does on
// the process's own streams.
func runIn(ios *ioStreams, args ...string) runResult {
	begin := time.Now()
	code := runWith(ios, args)
	return runResult{stdout: ios.Out.(*syncBuffer).String(), stderr: ios.ErrOut.(*syncBuffer).String(), code: code, took: time.Since(begin)}
}
