package pssh_test

import (
	"fmt"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestCloseConnections checks Config.CloseConnections: each host's
// connection is closed once its command has ended, so that every run
// connects anew, but not while another command of the client still runs
// on it.
func TestCloseConnections(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	cfg.CloseConnections = true
	c := newClient(t, fleet.Addrs(), cfg)
	for i := range 3 {
		outs, err := c.Run(ctxT(t), fmt.Sprintf("echo %d", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if got := joinLines(o.Stdout); got != fmt.Sprint(i) || o.Wait(ctxT(t)) != nil {
				t.Fatalf("%s: run %d printed %q, %v", o.Host, i, got, o.Err())
			}
		}
	}
	for _, s := range fleet.Servers {
		if got := s.Accepted(); got != 3 {
			t.Errorf("%s accepted %d connections for 3 runs, want 3", s.Addr, got)
		}
	}

	// A command waiting for its input keeps the connection open while
	// another, on the same host, starts and ends.
	first := &pssh.RunOptions{Hosts: []int{0}}
	waiting, err := c.Run(ctxT(t), "read x; echo got $x", first)
	if err != nil {
		t.Fatal(err)
	}
	quick, err := c.Run(ctxT(t), "echo quick", first)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(quick[0].Stdout); got != "quick" || quick[0].Wait(ctxT(t)) != nil {
		t.Fatalf("second command printed %q, %v", got, quick[0].Err())
	}
	if _, err := fmt.Fprintln(waiting[0].Stdin, "it"); err != nil {
		t.Fatalf("writing to the first command after the second ended: %v", err)
	}
	waiting[0].Stdin.Close()
	if got := joinLines(waiting[0].Stdout); got != "got it" || waiting[0].Wait(ctxT(t)) != nil {
		t.Fatalf("first command printed %q, %v", got, waiting[0].Err())
	}
	if got := fleet.Servers[0].Accepted(); got != 4 {
		t.Errorf("%s accepted %d connections, want 4: both commands on one", fleet.Servers[0].Addr, got)
	}
}
