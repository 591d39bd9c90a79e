package main

import (
	"strings"
	"syscall"
	"testing"
)

func TestRolloutFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--batch", "0"}, `--batch: "0" is not a number of hosts`},
		{[]string{"--batch", "x%"}, `--batch: "x%" is not a number of hosts`},
		{[]string{"--batch", "101%"}, `--batch: "101%" is more than 100%`},
		{[]string{"--max-fail", "-1"}, `--max-fail: "-1" is not a number of hosts`},
		{[]string{"--canary", "0"}, `--canary: "0" is not a whole number of at least 1`},
		{[]string{"--pause", "-2"}, `--pause: "-2" is not a number of seconds`},
	}
	for _, tt := range tests {
		r := runPssh(t, append(append([]string{"-H", "127.0.0.1"}, tt.args...), "true")...)
		wantCode(t, r, exitUsage)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: stderr %q, want %q", tt.args, r.stderr, tt.want)
		}
	}
}

func TestRolloutFromFlags(t *testing.T) {
	o := rolloutOptions{batch: countOrPercent{25, true}, canary: 2, maxFail: countOrPercent{3, false}}
	r := o.rollout(8, nil)
	if r.Running != 8 || r.BatchPercent != 25 || r.BatchSize != 0 || r.Canary != 2 || r.MaxFail != 3 || r.MaxFailPercent != 0 || r.OnBatch != nil {
		t.Errorf("%+v", r)
	}
	if !o.rolling() || (&rolloutOptions{}).rolling() {
		t.Error("rolling() wrong")
	}
}

// Ctrl-C during --pause ends the wait and the run: the hosts of the later
// batches are not started, as interrupted, and pssh exits 3.
func TestRolloutInterruptedPause(t *testing.T) {
	b := newBed(t, 3)
	p := startPssh(t, nil, append(b.flags(), "--batch", "1", "--pause", "600", "echo hello")...)
	p.waitLines(t, "", 1)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := p.wait(t, stopBound)
	if code != exitKilled {
		t.Fatalf("exit status %d, want %d; stdout %q, stderr %q", code, exitKilled, out, stderr)
	}
	if n := strings.Count(strings.Join(out, "\n"), "not started (interrupted)"); n != 2 {
		t.Errorf("want 2 hosts not started; stdout %q", out)
	}
	if !strings.Contains(stderr, "pssh: rollout: 1 of 3 batches done; 2 hosts not started (interrupted): ") {
		t.Errorf("stderr %q", stderr)
	}
}
