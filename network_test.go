package pssh_test

import (
	"errors"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

func TestAddressFamily(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{}) // listens on 127.0.0.1
	tests := []struct {
		family pssh.AddressFamily
		ok     bool
	}{
		{pssh.AnyAddress, true},
		{pssh.IPv4Only, true},
		{pssh.IPv6Only, false},
	}
	for _, tt := range tests {
		cfg.AddressFamily = tt.family
		c := newClient(t, fleet.Addrs(), cfg)
		outs, err := c.Run(ctxT(t), "echo hi", &pssh.RunOptions{ContinueOnErrors: true})
		if err != nil {
			t.Fatal(err)
		}
		var ce *pssh.ConnectionError
		if tt.ok && joinLines(outs[0].Stdout) != "hi" || !tt.ok && !errors.As(outs[0].Err(), &ce) {
			t.Errorf("family %d: output %v, err %v", tt.family, outs[0].Command, outs[0].Err())
		}
	}
}
