package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// startMaster makes c a control master on a socket in a new directory,
// serving as ServeControl or, with serve, as serve does, until the test
// ends. It returns once the socket answers.
func startMaster(t *testing.T, serve func(ctx context.Context, path string) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctl", "control")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, path) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeControl: %v", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the socket %s is still there after the master ended: %v", path, err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if conn, err := net.Dial("unix", path); err == nil {
			conn.Close()
			return path
		}
		select {
		case err := <-done:
			done <- nil // for the cleanup
			t.Fatalf("ServeControl ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the control master never listened")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// accepted is how many TCP connections the fleet's servers accepted.
func accepted(f *sshtest.Fleet) int64 {
	var n int64
	for _, s := range f.Servers {
		n += s.Accepted()
	}
	return n
}

// hostResult is what a command did on one host.
type hostResult struct {
	stdout, stderr string
	exit           int
	err            error
}

// controlCommand reads its stdin, writes to both streams and fails.
const controlCommand = `cat; echo "err $(hostname >/dev/null; echo x)" >&2; exit 3`

// runEverywhere runs controlCommand with "hello" on stdin on every host
// of c and returns what each did.
func runEverywhere(t *testing.T, c *pssh.Client) []hostResult {
	t.Helper()
	ctx := ctxT(t)
	outs, err := c.Run(ctx, controlCommand, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := make([]hostResult, len(outs))
	var wg sync.WaitGroup
	for i, o := range outs {
		if o.Stdin != nil {
			io.WriteString(o.Stdin, "hello\n")
			o.Stdin.Close()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _ := io.ReadAll(o.Stdout)
			errOut, _ := io.ReadAll(o.Stderr)
			res[i] = hostResult{stdout: string(out), stderr: string(errOut)}
		}()
	}
	wg.Wait()
	for i, o := range outs {
		o.Wait(ctx)
		res[i].exit, _ = o.ExitCode()
		res[i].err = o.Err()
	}
	return res
}

// TestControlMaster runs commands through a control master: the same
// results as directly, and no new TCP connection to any host after the
// master's own, for a second Client as for the first.
func TestControlMaster(t *testing.T) {
	fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
	want := runEverywhere(t, newClient(t, fleet.Addrs(), fleet.ClientConfig()))
	for _, r := range want {
		if r.stdout != "hello\n" || r.stderr != "err x\n" || r.exit != 3 {
			t.Fatalf("direct run: %+v", r)
		}
	}

	master := newClient(t, fleet.Addrs(), fleet.ClientConfig())
	var mu sync.Mutex
	links := 0 // links the master accepted
	path := startMaster(t, func(ctx context.Context, path string) error {
		return master.ServeControl(ctx, path, &pssh.ControlOptions{Logf: func(format string, args ...any) {
			t.Logf(format, args...)
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(format, "a client attached") {
				links++
			}
		}})
	})
	attached := func() *pssh.Client {
		cfg := fleet.ClientConfig()
		cfg.ControlPath = path
		cfg.ControlWarning = func(err error) { t.Errorf("warning: %v", err) }
		return newClient(t, fleet.Addrs(), cfg)
	}
	before := accepted(fleet)
	first := attached()
	for round := range 2 {
		if got := runEverywhere(t, first); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("round %d through the master: %+v, want %+v", round, got, want)
		}
	}
	if got := accepted(fleet) - before; got != 3 {
		t.Fatalf("%d TCP connections for 3 hosts through the master, want 3 (the master's)", got)
	}
	second := attached()
	if got := runEverywhere(t, second); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("second client through the master: %+v, want %+v", got, want)
	}
	if got := accepted(fleet) - before; got != 3 {
		t.Errorf("a second client opened %d new TCP connections, want none", got-3)
	}
	mu.Lock()
	defer mu.Unlock()
	if links != 2 {
		t.Errorf("the master accepted %d links from 2 clients of 3 hosts, want one per client", links)
	}
}

// TestControlRefusesOtherCredentials checks that a master never serves a
// Client asking for a host as another user: the Client warns once and
// connects directly.
func TestControlRefusesOtherCredentials(t *testing.T) {
	fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
	master := newClient(t, fleet.Addrs(), fleet.ClientConfig())
	path := startMaster(t, func(ctx context.Context, path string) error {
		return master.ServeControl(ctx, path, nil)
	})
	runTrue(t, ctxT(t), master) // the master is connected
	before := accepted(fleet)

	cfg := fleet.ClientConfig()
	cfg.User = "someone-else"
	cfg.ControlPath = path
	var w warningLog
	cfg.ControlWarning = w.add
	runTrue(t, ctxT(t), newClient(t, fleet.Addrs(), cfg))
	warnings := w.all()
	if len(warnings) != 1 || !errors.Is(warnings[0], pssh.ErrControlRefused) {
		t.Fatalf("warnings %v, want one ErrControlRefused", warnings)
	}
	var ce *pssh.ControlError
	if !errors.As(warnings[0], &ce) || ce.Path != path {
		t.Errorf("warning %#v, want a *ControlError for %s", warnings[0], path)
	}
	if got := accepted(fleet) - before; got != 3 {
		t.Errorf("%d direct connections after the refusal, want 3", got)
	}
}

// warningLog records the warnings of Config.ControlWarning.
type warningLog struct {
	mu       sync.Mutex
	warnings []error
}

func (w *warningLog) add(err error) {
	w.mu.Lock()
	w.warnings = append(w.warnings, err)
	w.mu.Unlock()
}

func (w *warningLog) all() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.warnings
}

// TestControlFallback checks that without a master (none started, or one
// of another user) a Client warns once and connects directly.
func TestControlFallback(t *testing.T) {
	fleet := sshtest.StartFleet(t, 2, sshtest.Config{})
	otherUser := newClient(t, fleet.Addrs(), fleet.ClientConfig())
	var logs strings.Builder
	var logMu sync.Mutex
	wrongUID := startMaster(t, func(ctx context.Context, path string) error {
		// A master serving only another user refuses us by SO_PEERCRED.
		return otherUser.ServeControlAs(ctx, path, &pssh.ControlOptions{Logf: func(f string, a ...any) {
			logMu.Lock()
			fmt.Fprintf(&logs, f+"\n", a...)
			logMu.Unlock()
		}}, os.Getuid()+1)
	})
	for _, tc := range []struct{ name, path string }{
		{"no master", filepath.Join(t.TempDir(), "none", "control")},
		{"master of another user", wrongUID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fleet.ClientConfig()
			cfg.ControlPath = tc.path
			var w warningLog
			cfg.ControlWarning = w.add
			before := accepted(fleet)
			runTrue(t, ctxT(t), newClient(t, fleet.Addrs(), cfg))
			warnings := w.all()
			if got := accepted(fleet) - before; got != 2 {
				t.Errorf("%d direct connections, want 2", got)
			}
			var ce *pssh.ControlError
			if len(warnings) != 1 || !errors.As(warnings[0], &ce) {
				t.Fatalf("warnings %v, want one *ControlError", warnings)
			}
			t.Logf("warning: %v", warnings[0])
		})
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), fmt.Sprintf("refusing a peer of user %d", os.Getuid())) {
		t.Errorf("the master did not log refusing our user; its log:\n%s", logs.String())
	}
}

// TestControlIdleAndPlace checks that a master ends after its idle time,
// removing its socket, and refuses a directory open to other users.
func TestControlIdleAndPlace(t *testing.T) {
	fleet := sshtest.StartFleet(t, 1, sshtest.Config{})
	c := newClient(t, fleet.Addrs(), fleet.ClientConfig())
	path := filepath.Join(t.TempDir(), "ctl", "control")
	start := time.Now()
	if err := c.ServeControl(ctxT(t), path, &pssh.ControlOptions{IdleTimeout: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("an idle master ended after %v, before its idle time", d)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.ServeControl(ctxT(t), filepath.Join(open, "control"), nil); err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Errorf("serving in a directory of mode 0755: %v, want a refusal", err)
	}
}

// TestControlSignalCancelAndMasterGone checks that through a master a
// signal reaches the command, a PTY works, a cancelled context ends a
// command, and a
// master that has stopped leaves later Clients to connect directly.
func TestControlSignalCancelAndMasterGone(t *testing.T) {
	fleet := sshtest.StartFleet(t, 1, sshtest.Config{})
	master := newClient(t, fleet.Addrs(), fleet.ClientConfig())
	path := filepath.Join(t.TempDir(), "ctl", "control")
	mctx, stopMaster := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- master.ServeControl(mctx, path, nil) }()
	defer func() { stopMaster(); <-served }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the master never listened")
		}
	}
	cfg := fleet.ClientConfig()
	cfg.ControlPath = path
	var w warningLog
	cfg.ControlWarning = w.add
	c := newClient(t, fleet.Addrs(), cfg)

	// A signal: the command reports it started, then dies of SIGTERM.
	ctx := ctxT(t)
	outs, err := c.Run(ctx, "echo started; exec sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	if line, ok := firstLine(o.Stdout); !ok || line != "started" {
		t.Fatalf("first line %q, %v", line, ok)
	}
	if err := o.Signal(ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	o.Wait(ctx)
	if sig := o.ExitSignal(); sig != "TERM" {
		t.Errorf("signal through the master: exit signal %q (err %v), want TERM", sig, o.Err())
	}

	// A pseudo-terminal: stdout is a tty, stderr arrives with it.
	outs, err = c.Run(ctx, "test -t 1 && echo tty; echo err >&2", &pssh.RunOptions{UsePTY: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "tty\nerr" {
		t.Errorf("pty output through the master %q, want \"tty\\nerr\"", got)
	}

	// A cancelled context ends the run promptly.
	cctx, cancel := context.WithCancel(ctx)
	outs, err = c.Run(cctx, "echo started; exec sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	if line, ok := firstLine(outs[0].Stdout); !ok || line != "started" {
		t.Fatalf("first line %q, %v", line, ok)
	}
	start := time.Now()
	cancel()
	outs[0].Wait(ctx)
	if d := time.Since(start); d > 10*time.Second || outs[0].Err() == nil {
		t.Errorf("cancelled run ended after %v with %v, want an error at once", d, outs[0].Err())
	}
	if ws := w.all(); len(ws) != 0 {
		t.Fatalf("warnings while the master ran: %v", ws)
	}

	// The master stops: its socket goes, and a new Client connects
	// directly after one warning.
	stopMaster()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	served <- nil // for the deferred stop
	before := accepted(fleet)
	runTrue(t, ctxT(t), newClient(t, fleet.Addrs(), cfg))
	if got := accepted(fleet) - before; got != 1 {
		t.Errorf("%d connections after the master stopped, want 1 direct", got)
	}
	if ws := w.all(); len(ws) != 1 {
		t.Errorf("warnings %v, want one", ws)
	}
}

// firstLine returns the first line of s.
func firstLine(s *pssh.Stream) (string, bool) {
	for line := range s.Lines() {
		return line, true
	}
	return "", false
}

// TestControlStatus asks a master for its hosts: listed ones unconnected
// until used, connected after, and a host a Client asked for appended.
func TestControlStatus(t *testing.T) {
	fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
	addrs := fleet.Addrs()
	master := newClient(t, addrs[:2], fleet.ClientConfig())
	path := startMaster(t, func(ctx context.Context, path string) error {
		return master.ServeControl(ctx, path, nil)
	})
	hosts, err := pssh.ControlStatus(ctxT(t), path)
	if err != nil {
		t.Fatal(err)
	}
	want := []pssh.ControlHost{{Host: addrs[0]}, {Host: addrs[1]}}
	if fmt.Sprint(hosts) != fmt.Sprint(want) {
		t.Errorf("before any run: %+v, want %+v", hosts, want)
	}
	cfg := fleet.ClientConfig()
	cfg.ControlPath = path
	cfg.ControlWarning = func(err error) { t.Errorf("warning: %v", err) }
	runEverywhere(t, newClient(t, []string{addrs[0], addrs[2]}, cfg))
	hosts, err = pssh.ControlStatus(ctxT(t), path)
	if err != nil {
		t.Fatal(err)
	}
	want = []pssh.ControlHost{{Host: addrs[0], Connected: true}, {Host: addrs[1]}, {Host: addrs[2], Connected: true}}
	if fmt.Sprint(hosts) != fmt.Sprint(want) {
		t.Errorf("after a run on two hosts: %+v, want %+v", hosts, want)
	}
	if _, err := pssh.ControlStatus(ctxT(t), filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("ControlStatus with no master: no error")
	}
}
