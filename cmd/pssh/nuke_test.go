package main

import (
	"slices"
	"testing"
)

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

func TestNukeFlags(t *testing.T) {
	var got *nukeOptions
	err := parseSubcommand(newCmdNuke(testStreams(""), func(o *nukeOptions) error { got = o; return nil }),
		"-iH", "web[1-3]", "-p2", "--sudo", "my-daemon")
	if err != nil {
		t.Fatal(err)
	}
	if !got.inline || !got.sudo || got.par != 2 || got.pattern != "my-daemon" || !slices.Equal(got.hostLists, []string{"web[1-3]"}) {
		t.Errorf("%+v", got)
	}
}
