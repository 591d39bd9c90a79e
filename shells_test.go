package pssh_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// fiveCommands are run by RunCommands tests, with what each gives.
var fiveCommands = []struct {
	cmd            string
	stdout, stderr string
	code           int
}{
	{"X=42; cd /tmp", "", "", 0},
	{`pwd; echo "$X"`, "/tmp\n42\n", "", 0},
	{"echo oops >&2; echo out", "out\n", "oops\n", 0},
	{"printf partial; false", "partial", "", 1},
	{"(exit 7)", "", "", 7},
}

func checkFiveCommands(t *testing.T, results []*pssh.HostResults, hosts []string) {
	t.Helper()
	if len(results) != len(hosts) {
		t.Fatalf("%d results for %d hosts", len(results), len(hosts))
	}
	for i, r := range results {
		if r.Host != hosts[i] || r.Index != i || r.Err != nil || len(r.Commands) != len(fiveCommands) {
			t.Fatalf("result %d: host %s index %d err %v, %d commands", i, r.Host, r.Index, r.Err, len(r.Commands))
		}
		for k, fc := range fiveCommands {
			got := r.Commands[k]
			if got.Command != fc.cmd || got.Stdout != fc.stdout || got.Stderr != fc.stderr || got.ExitCode != fc.code || got.Err != nil {
				t.Errorf("%s command %d: got %+v, want stdout %q stderr %q code %d", r.Host, k, got, fc.stdout, fc.stderr, fc.code)
			}
		}
	}
}

func fiveCommandList() []string {
	var cmds []string
	for _, fc := range fiveCommands {
		cmds = append(cmds, fc.cmd)
	}
	return cmds
}

func TestRunCommands(t *testing.T) {
	fleet, cfg := testFleet(t, 20, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	results, err := c.RunCommands(ctxT(t), fiveCommandList(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkFiveCommands(t, results, fleet.Addrs())
}

func TestRunCommandsShellEnds(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	cmds := []string{"echo a", "", "echo b >&2; exit 3", "echo never"}
	results, err := c.RunCommands(ctxT(t), cmds, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Host, r.Err)
		}
		if got := r.Commands[0]; got.Stdout != "a\n" || got.ExitCode != 0 || got.Err != nil {
			t.Errorf("%s: first command %+v", r.Host, got)
		}
		if got := r.Commands[1]; got.Stdout != "" || got.ExitCode != 0 || got.Err != nil {
			t.Errorf("%s: empty command %+v", r.Host, got)
		}
		var ce *pssh.CommandError
		got := r.Commands[2]
		if got.Stderr != "b\n" || got.ExitCode != 3 || !errors.Is(got.Err, pssh.ErrShellEnded) ||
			!errors.As(got.Err, &ce) || ce.Host != r.Host || ce.Index != 2 || !strings.HasPrefix(got.Err.Error(), r.Host+": ") {
			t.Errorf("%s: exiting command %+v", r.Host, got)
		}
		if got := r.Commands[3]; got.Stdout != "" || got.ExitCode != -1 || !errors.Is(got.Err, pssh.ErrNotRun) {
			t.Errorf("%s: command after the exit %+v", r.Host, got)
		}
	}
}

func TestRunCommandsHostFails(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	c := newClient(t, []string{fleet.Addrs()[0], dead}, cfg)
	cmds := []string{"echo a", "echo b"}
	results, err := c.RunCommands(ctxT(t), cmds, nil)
	var ce *pssh.ConnectionError
	if !errors.As(err, &ce) || ce.Host != dead {
		t.Fatalf("err %v, want the dead host's *ConnectionError", err)
	}
	if results[0].Err != nil || results[0].Commands[1].Stdout != "b\n" {
		t.Errorf("live host: %+v", results[0])
	}
	for _, res := range results[1].Commands {
		if !errors.As(res.Err, &ce) || res.ExitCode != -1 {
			t.Errorf("dead host command %+v, want its *ConnectionError", res)
		}
	}
	if _, err := c.RunCommands(ctxT(t), cmds, &pssh.RunOptions{ContinueOnErrors: true, UsePTY: true}); err == nil {
		t.Error("UsePTY accepted")
	}
	if _, err := c.RunCommands(ctxT(t), cmds, &pssh.RunOptions{ContinueOnErrors: true}); err != nil {
		t.Errorf("ContinueOnErrors: %v", err)
	}
}

func TestOpenShell(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	shells, err := c.OpenShell(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunShellCommands(ctxT(t), shells, "X=1; echo one", "echo two $X >&2"); err != nil {
		t.Fatal(err)
	}
	for i, s := range shells {
		if err := s.Run(fmt.Sprintf("echo host %d; exit 3", i)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.JoinShells(ctxT(t), shells, nil); err != nil {
		t.Fatal(err)
	}
	for i, s := range shells {
		if got, want := joinLines(s.Stdout), fmt.Sprintf("one\nhost %d", i); got != want {
			t.Errorf("%s stdout %q, want %q", s.Host, got, want)
		}
		if got := joinLines(s.Stderr); got != "two 1" {
			t.Errorf("%s stderr %q", s.Host, got)
		}
		if code, ok := s.ExitCode(); !ok || code != 3 || s.Err() != nil || s.Output().Command != "" {
			t.Errorf("%s: exit %d %v, err %v", s.Host, code, ok, s.Err())
		}
	}
}

func TestOpenShellPTY(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	shells, err := c.OpenShell(ctxT(t), &pssh.ShellOptions{UsePTY: true, Term: "vt100", Width: 100, Height: 30})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunShellCommands(ctxT(t), shells, "test -t 0 && echo tty", `echo "term=$TERM"; stty size`); err != nil {
		t.Fatal(err)
	}
	for _, s := range shells {
		if err := s.Close(); err != nil { // Ctrl-D: the interactive shell exits
			t.Fatal(err)
		}
	}
	if err := c.JoinShells(ctxT(t), shells, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range shells {
		out := joinLines(s.Stdout)
		for _, want := range []string{"tty", "term=vt100", "30 100"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output %q lacks %q", s.Host, out, want)
			}
		}
		if code, ok := s.ExitCode(); !ok || code != 0 || s.Err() != nil {
			t.Errorf("%s: exit %d %v, err %v", s.Host, code, ok, s.Err())
		}
	}
}

func TestJoinShellsTimeout(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	shells, err := c.OpenShell(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	shells[0].Close()
	err = c.JoinShells(ctxT(t), shells, &pssh.JoinOptions{Timeout: 300 * time.Millisecond})
	var je *pssh.JoinTimeoutError
	if !errors.As(err, &je) || len(je.Unfinished) != 1 || je.Unfinished[0] != shells[1].Host {
		t.Fatalf("err %v, want a *JoinTimeoutError with %s unfinished", err, shells[1].Host)
	}
	// The unfinished shell still runs: it takes commands and ends on Close.
	if err := shells[1].Run("exit 5"); err != nil {
		t.Fatal(err)
	}
	if err := c.JoinShells(ctxT(t), shells, nil); err != nil {
		t.Fatal(err)
	}
	if code, ok := shells[1].ExitCode(); !ok || code != 5 {
		t.Errorf("exit %d %v, want 5", code, ok)
	}
}
