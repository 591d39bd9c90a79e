package pssh_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

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
