package pssh_test

// Integration tests against a real OpenSSH sshd, started by the tests on
// loopback. Without sshd they skip, except under CI=true where they fail.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// openSSH starts a real sshd on the given loopback addresses and returns it
// with a client config for its key and known_hosts. As root, it logs in as
// opensshd.TestUser, whose shell is /bin/sh: root's own shell may run rc
// files (here: pyenv, with a lock that killed sessions leave behind) that
// would slow down or hang the tests. Otherwise sshd can only log in the
// current user.
func openSSH(t testing.TB, opts opensshd.Options) (*opensshd.Server, *pssh.Config) {
	t.Helper()
	s := opensshd.StartT(t, opts)
	user := s.User
	if os.Getuid() == 0 {
		user, _ = opensshd.EnsureTestUser(t)
	}
	return s, &pssh.Config{
		IgnoreSSHConfig: true,
		User:            user,
		KeyFile:         s.ClientKeyFile,
		NoAgent:         true,
		NoDefaultKeys:   true,
		KnownHostsFiles: []string{s.KnownHostsFile},
		ConnectTimeout:  20 * time.Second,
	}
}

func TestOpenSSHQuickstart(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}})
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "whoami; echo oops >&2; exit 2", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if got := joinLines(o.Stdout); got != cfg.User {
			t.Errorf("%s stdout %q, want %q", o.Host, got, cfg.User)
		}
		if got := joinLines(o.Stderr); got != "oops" {
			t.Errorf("%s stderr %q", o.Host, got)
		}
		if code, ok := o.ExitCode(); !ok || code != 2 {
			t.Errorf("%s exit %d %v", o.Host, code, ok)
		}
	}
}

func TestOpenSSHExitCodesAndSignals(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	checkExitCodes(t, newClient(t, s.Addrs, cfg))
}

func TestOpenSSHStdinAndHostArgs(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "read line; echo %q:$line", &pssh.RunOptions{HostArgs: [][]string{{"first host"}, {"it's"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		fmt.Fprintf(o.Stdin, "input %d\n", i)
	}
	for i, want := range []string{"first host:input 0", "it's:input 1"} {
		if got := joinLines(outs[i].Stdout); got != want {
			t.Errorf("host %d: %q, want %q", i, got, want)
		}
	}
}

func TestOpenSSHSudo(t *testing.T) {
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs as root: sudo tests must run")
		}
		t.Skip("sudo tests log in as root; run as root")
	}
	requireCommand(t, "sudo")
	s, cfg := openSSH(t, opensshd.Options{})
	cfg.User = "root" // root may sudo without a password
	c := newClient(t, s.Addrs, cfg)
	cmd := `printf '%s|' "$(id -un)" 'it'"'"'s' '$HOME' '` + "`x`" + `'`
	tests := []struct {
		opt  pssh.RunOptions
		want string
	}{
		{pssh.RunOptions{Sudo: true}, "root|it's|$HOME|`x`|"},
		{pssh.RunOptions{User: "nobody"}, "nobody|it's|$HOME|`x`|"},
		{pssh.RunOptions{User: "nobody", Shell: "bash -c"}, "nobody|it's|$HOME|`x`|"},
	}
	for _, tt := range tests {
		outs, err := c.Run(ctxT(t), cmd, &tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinLines(outs[0].Stdout); got != tt.want {
			t.Errorf("%+v: %q, want %q (sent %q; stderr %q)", tt.opt, got, tt.want, outs[0].Command, joinLines(outs[0].Stderr))
		}
	}
}

func TestOpenSSHPasswordAuth(t *testing.T) {
	user, password := opensshd.EnsureTestUser(t)
	s, cfg := openSSH(t, opensshd.Options{Password: true})
	cfg.User = user
	cfg.KeyFile = ""
	cfg.Password = password
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "id -un", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != user {
		t.Fatalf("logged in as %q, want %q", got, user)
	}

	cfg.Password = "not-" + password
	c = newClient(t, s.Addrs, cfg)
	_, err = c.Run(ctxT(t), "id -un", nil)
	var ae *pssh.AuthenticationError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), user+"@"+s.Addrs[0]) {
		t.Fatalf("wrong password: %v, want *AuthenticationError naming %s@%s", err, user, s.Addrs[0])
	}
	if strings.Contains(err.Error(), password) {
		t.Fatal("the error shows the password")
	}
}

func TestOpenSSHAgentAuth(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	sock := opensshd.StartAgent(t, s.ClientKeyFile)
	cfg.KeyFile = ""
	cfg.NoAgent = false
	cfg.AgentSocket = sock
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "echo via agent", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "via agent" {
		t.Fatalf("%q", got)
	}
	// Without the agent and without a key, authentication fails and says what was tried.
	cfg.NoAgent = true
	c = newClient(t, s.Addrs, cfg)
	_, err = c.Run(ctxT(t), "true", nil)
	var ae *pssh.AuthenticationError
	if !errors.As(err, &ae) {
		t.Fatalf("no credentials: %v", err)
	}
}

func TestOpenSSHUnreachableAndUnknownHosts(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	hosts := []string{s.Addrs[0], closedPort(t), "no-such-host.invalid", s.Addrs[0]}
	c := newClient(t, hosts, cfg)
	outs, err := c.Run(ctxT(t), "echo up", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	var ce *pssh.ConnectionError
	var ue *pssh.UnknownHostError
	if joinLines(outs[0].Stdout) != "up" || joinLines(outs[3].Stdout) != "up" ||
		!errors.As(outs[1].Err(), &ce) || !errors.As(outs[2].Err(), &ue) {
		t.Fatalf("outcomes: %v | %v | %v | %v", outs[0].Err(), outs[1].Err(), outs[2].Err(), outs[3].Err())
	}
	// Stop on errors: the first failed host's error, in host order.
	_, err = c.Run(ctxT(t), "echo up", nil)
	if !errors.As(err, &ce) || ce.Host != hosts[1] {
		t.Fatalf("stop on errors: %v", err)
	}
}

func TestOpenSSHTimeouts(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, []string{s.Addrs[0], s.Addrs[0]}, cfg)
	outs, err := c.Run(ctxT(t), "%s", &pssh.RunOptions{
		HostArgs:    [][]string{{"echo fast"}, {"echo begun; exec sleep 30"}},
		ReadTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := outs[0].Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	err = c.Join(ctxT(t), outs, &pssh.JoinOptions{Timeout: 300 * time.Millisecond})
	var jt *pssh.JoinTimeoutError
	if !errors.As(err, &jt) || len(jt.Unfinished) != 1 || len(jt.Finished) != 1 {
		t.Fatalf("join: %v", err)
	}
	if got := linesBeforeTimeout(t, outs[1].Stdout); len(got) != 1 || got[0] != "begun" {
		t.Fatalf("slow host's output %q", got)
	}
}

func TestOpenSSHCancelKillsRemoteCommand(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	requireCommand(t, "pgrep")
	// openSSH logs in as an ordinary user: sshd refuses signal requests on
	// root's sessions ("session signalling requires privilege separation").
	c := newClient(t, s.Addrs, cfg)
	for _, pty := range []bool{false, true} {
		t.Run(fmt.Sprintf("pty=%v", pty), func(t *testing.T) {
			// A sleep with a duration no other process has, to find it with pgrep.
			pattern := fmt.Sprintf("sleep 9%05d.%d", os.Getpid()%100000, time.Now().UnixNano()%1000000)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// printf writes both lines at once, so they arrive together:
			// "more" is received, unread, when the run is cancelled.
			outs, err := c.Run(ctx, "printf 'started\\nmore\\n'; exec "+pattern, &pssh.RunOptions{UsePTY: pty})
			if err != nil {
				t.Fatal(err)
			}
			for line := range outs[0].Stdout.Lines() {
				if line != "started" {
					t.Fatalf("%q", line)
				}
				break
			}
			// "started" comes just before the shell execs sleep: wait for it.
			for deadline := time.Now().Add(10 * time.Second); !processRunning(t, pattern); {
				if time.Now().After(deadline) {
					t.Fatal("remote command not running")
				}
				time.Sleep(10 * time.Millisecond) // polling for an outside process to appear
			}
			cancel()
			<-outs[0].Done()
			var se *pssh.SessionError
			if !errors.As(outs[0].Err(), &se) || !errors.Is(outs[0].Err(), context.Canceled) {
				t.Fatalf("err %v", outs[0].Err())
			}
			// What was received before the cancel is still there.
			var rest []string
			for line := range outs[0].Stdout.Lines() {
				rest = append(rest, line)
			}
			if !slices.Equal(rest, []string{"more"}) {
				t.Errorf("output after cancel %q, want [more]", rest)
			}
			// The remote process ends; sshd kills it on our signal request.
			deadline := time.Now().Add(10 * time.Second)
			for processRunning(t, pattern) {
				if time.Now().After(deadline) {
					t.Fatal("remote command still running 10s after cancel")
				}
				time.Sleep(20 * time.Millisecond) // polling for an outside process's end
			}
		})
	}
}

func TestOpenSSHCancelEndsRootSession(t *testing.T) {
	// For root, sshd ignores the signal and keeps the session: the run must
	// still end, with the host's error, instead of waiting on the server.
	if os.Getuid() != 0 {
		t.Skip("needs a root login")
	}
	s, cfg := openSSH(t, opensshd.Options{})
	cfg.User = "root"
	c := newClient(t, s.Addrs, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outs, err := c.Run(ctx, "echo started; exec sleep 30", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range outs[0].Stdout.Lines() {
		break // root's shell has started: cancel the command, not its rc files
	}
	cancel()
	select {
	case <-outs[0].Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end after cancel")
	}
	if !errors.Is(outs[0].Err(), context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", outs[0].Err())
	}
}

func TestOpenSSHConnectionReuse(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	var dials int
	cfg.Dial = countingDial(&dials)
	c := newClient(t, []string{s.Addrs[0], s.Addrs[0]}, cfg)
	for i := 0; i < 3; i++ {
		outs, err := c.Run(ctxT(t), "echo hi", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Join(ctxT(t), outs, nil); err != nil {
			t.Fatal(err)
		}
	}
	if dials != 2 {
		t.Fatalf("%d TCP connections for 3 runs on 2 hosts, want 2", dials)
	}
}

func TestOpenSSH200Hosts(t *testing.T) {
	ips := make([]string, 10)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	s, cfg := openSSH(t, opensshd.Options{Addrs: ips})
	hosts := make([]string, 200)
	for i := range hosts {
		hosts[i] = s.Addrs[i%len(s.Addrs)]
	}
	c := newClient(t, hosts, cfg)
	outs, err := c.Run(ctxT(t), "echo $SSH_CONNECTION", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	ports := map[string]bool{}
	for i, o := range outs {
		line := joinLines(o.Stdout)
		f := strings.Fields(line)
		if len(f) != 4 || f[2]+":"+f[3] != hosts[i] {
			t.Fatalf("host %d (%s): %q, %v", i, hosts[i], line, o.Err())
		}
		ports[f[1]+" "+f[2]] = true // client port and server address: one connection per host entry
		if code, ok := o.ExitCode(); !ok || code != 0 {
			t.Fatalf("host %d exit %d %v", i, code, ok)
		}
	}
	if len(ports) != 200 {
		t.Fatalf("%d distinct connections for 200 host entries", len(ports))
	}
}
