package pssh_test

import (
	"errors"
	"net"
	"strings"
	"testing"

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
