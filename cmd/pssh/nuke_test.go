package main

import "testing"

func TestNuke(t *testing.T) {
	b := newBed(t, 2)
	r := runPssh(t, append(append([]string{"nuke"}, b.flags()...), "no-such-process-name")...)
	wantCode(t, r, 0)
	if len(statuses(t, r.stdout)) != 2 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = runPssh(t, append([]string{"nuke"}, b.flags()...)...)
	wantCode(t, r, 2)
}
