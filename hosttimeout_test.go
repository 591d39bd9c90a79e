package pssh_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

func TestHostTimeout(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	cfg.PoolSize = 1
	c := newClient(t, fleet.Addrs(), cfg)
	begin := time.Now()
	outs, err := c.Run(ctxT(t), "sleep %s", &pssh.RunOptions{
		HostTimeout: 500 * time.Millisecond,
		HostArgs:    [][]string{{"30"}, {"0"}, {"30"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 20*time.Second {
		t.Errorf("took %v: the host timeout did not stop the sleeps", d)
	}
	for _, i := range []int{0, 2} {
		// The error says which limit it was, for messages to name it.
		var te *pssh.TimeoutError
		if err := outs[i].Err(); !errors.As(err, &te) || !te.Deadline || te.Limit != 500*time.Millisecond || te.Phase != pssh.PhaseCommand {
			t.Errorf("host %d: error %#v, want a *TimeoutError at the host timeout of 500ms", i, err)
		}
	}
	if code, ok := outs[1].ExitCode(); !ok || code != 0 || outs[1].Err() != nil {
		t.Errorf("host 1: exit %d %v, error %v; want a clean exit", code, ok, outs[1].Err())
	}
}
