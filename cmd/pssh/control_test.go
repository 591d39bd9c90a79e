package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseSSHTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90", want: 90 * time.Second},
		{in: "10m", want: 10 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1W2d", want: 9 * 24 * time.Hour},
		{in: "5s10", want: 15 * time.Second},
		{in: "", want: 0},
		{in: "m", bad: true},
		{in: "10x", bad: true},
		{in: "-5", bad: true},
		{in: "1.5h", bad: true},
	} {
		got, err := parseSSHTime(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("parseSSHTime(%q) = %v, %v; want %v, bad %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestExpandControlPath(t *testing.T) {
	home, _ := os.UserHomeDir()
	host, _ := os.Hostname()
	short, _, _ := strings.Cut(host, ".")
	uid := strconv.Itoa(os.Getuid())
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "/run/x/control", want: "/run/x/control"},
		{in: "%d/.pssh/%i-%L", want: home + "/.pssh/" + uid + "-" + short},
		{in: "~/c-%l-100%%", want: home + "/c-" + host + "-100%"},
		{in: "/tmp/%h", bad: true},
		{in: "/tmp/%C", bad: true},
		{in: "/tmp/x%", bad: true},
	} {
		got, err := expandControlPath(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("expandControlPath(%q) = %q, %v; want %q, bad %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// TestControlSettings checks what the -O keywords and the flags ask for,
// OpenSSH's meanings first.
func TestControlSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []string
		persist  string // --control-persist
		path     string // --control-path
		want     controlSettings
		wantFail bool
	}{
		{name: "nothing", want: controlSettings{}},
		{name: "flag", persist: "10m", want: controlSettings{master: "auto", persist: 10 * time.Minute, persistSet: true}},
		{name: "flag yes", persist: "yes", want: controlSettings{master: "auto", persistSet: true}},
		{name: "flag no", persist: "no", want: controlSettings{}},
		{name: "flag keeps yes", opts: []string{"ControlMaster=yes"}, persist: "90", want: controlSettings{master: "yes", persist: 90 * time.Second, persistSet: true}},
		{name: "options", opts: []string{"ControlMaster auto", "ControlPersist=1h", "ControlPath=/x/%i"},
			want: controlSettings{master: "auto", path: "/x/%i", pathSet: true, persist: time.Hour, persistSet: true}},
		{name: "persist alone", opts: []string{"ControlPersist=60"}, want: controlSettings{persist: time.Minute, persistSet: true}},
		{name: "autoask", opts: []string{"ControlMaster=autoask"}, want: controlSettings{master: "auto"}},
		{name: "flag path wins", opts: []string{"ControlPath=/a"}, path: "/b", want: controlSettings{path: "/b", pathSet: true}},
		{name: "bad master", opts: []string{"ControlMaster=maybe"}, wantFail: true},
		{name: "bad persist", persist: "soon", wantFail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s sshSettings
			var err error
			for _, o := range tc.opts {
				if err == nil {
					err = s.option(o)
				}
			}
			if err == nil {
				err = s.control.flags(tc.persist, tc.path)
			}
			if (err != nil) != tc.wantFail {
				t.Fatalf("error %v, want failure %v", err, tc.wantFail)
			}
			if !tc.wantFail && s.control != tc.want {
				t.Errorf("got %+v, want %+v", s.control, tc.want)
			}
		})
	}
}

// TestFlagArgs checks that a master is started with the run's hosts and
// connection flags as given, and none of the others.
func TestFlagArgs(t *testing.T) {
	cmd := newCmdRoot(testStreams(""), nil)
	args := []string{"-H", "a,b", "-w", "c", "-O", "Port=2222", "-O", "User=u", "--key", "k", "--connect-timeout", "2.5",
		"-x", "-o Port=22", "--pick", "1", "--control-persist", "1m", "-p", "4", "-i", "true"}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	want := []string{"--host=a,b", "--host=c", "--key=k", "--option=Port=2222", "--option=User=u", "--extra-args=-o Port=22", "--connect-timeout=2.5"}
	got := flagArgs(cmd.Flags())
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("flagArgs = %q, want %q", got, want)
	}
}

// TestControlMasterInProcess checks ControlMaster=auto without
// ControlPersist, as OpenSSH's: the first invocation serves its own
// connections while it runs, a second one attaches to them, and the socket
// goes when the first ends.
func TestControlMasterInProcess(t *testing.T) {
	b := newBed(t, 1)
	dir := t.TempDir()
	sock, release := filepath.Join(dir, "ctl", "control"), filepath.Join(dir, "release")
	opts := []string{"-O", "ControlMaster=auto", "-O", "ControlPath=" + sock}
	first := exec.Command(psshBin, append(append(b.flags(), opts...),
		"-i", "while [ ! -e "+release+" ]; do sleep 0.02; done; echo first")...)
	first.Env = append(os.Environ(), "NO_COLOR=", "HOME="+dir, "XDG_CONFIG_HOME=")
	var out bytes.Buffer
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	defer func() {
		os.WriteFile(release, nil, 0o600)
		<-done
	}()
	for deadline := time.Now().Add(20 * time.Second); !masterAnswers(sock); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first invocation never served on its socket")
		}
	}
	before := b.fleet.Servers[0].Accepted()
	r := psshEnv(t, []string{"HOME=" + dir}, "", append(append(b.flags(), "-O", "ControlPath="+sock), "-i", "echo second")...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "second") {
		t.Errorf("second invocation: %s %s", r.stdout, r.stderr)
	}
	if n := b.fleet.Servers[0].Accepted() - before; n != 0 {
		t.Errorf("the second invocation opened %d TCP connections, want 0", n)
	}
	os.WriteFile(release, nil, 0o600)
	if err := <-done; err != nil {
		t.Fatalf("first invocation: %v\n%s", err, out.String())
	}
	done <- nil
	if !strings.Contains(out.String(), "first") || socketExists(sock) {
		t.Errorf("first invocation: %q; socket left: %v", out.String(), socketExists(sock))
	}
}

// TestControlMasterNeedsNoTypedSecret checks that no master is started
// for a run whose password comes from the environment: the master could
// not log in as the run does.
func TestControlMasterNeedsNoTypedSecret(t *testing.T) {
	b := newBed(t, 1)
	sock := filepath.Join(t.TempDir(), "ctl", "control")
	r := psshEnv(t, []string{passwordEnv + "=secret"}, "", append(b.flags(), "--control-persist", "60", "--control-path", sock, "true")...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "pssh: warning: control master "+sock+": not started") || socketExists(sock) {
		t.Errorf("stderr %q; socket there: %v", r.stderr, socketExists(sock))
	}
}

// TestControlServeErrorIsNoUsageError checks that a master that cannot
// serve (its socket's directory is open to other users) says so once, as
// a failure (status 1), not as a usage error with a hint at --help.
func TestControlServeErrorIsNoUsageError(t *testing.T) {
	b := newBed(t, 1)
	dir := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, append([]string{"control", "serve", "--control-path", filepath.Join(dir, "control"), "--control-persist", "60"}, b.flags()...)...)
	wantCode(t, r, 1)
	if !strings.Contains(r.stderr, "is open to other users") || strings.Contains(r.stderr, "pssh: pssh:") || strings.Contains(r.stderr, "--help") {
		t.Errorf("stderr %q: want the reason once, no usage hint", r.stderr)
	}
}
