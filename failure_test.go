package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want pssh.FailureKind
	}{
		{nil, pssh.NoFailure},
		{&pssh.UnknownHostError{Host: "h"}, pssh.FailureUnknownHost},
		{&pssh.ConnectionError{Host: "h", Err: errors.New("refused")}, pssh.FailureConnection},
		{&pssh.HostKeyError{Host: "h", Unknown: true}, pssh.FailureHostKey},
		{&pssh.AuthenticationError{Host: "h"}, pssh.FailureAuthentication},
		{&pssh.TimeoutError{Host: "h", Phase: pssh.PhaseAuth}, pssh.FailureTimeout},
		{&pssh.TimeoutError{Host: "h", Phase: pssh.PhaseCommand, Deadline: true, Err: context.DeadlineExceeded}, pssh.FailureTimeout},
		{&pssh.NotStartedError{Host: "h", Err: context.Canceled}, pssh.FailureNotStarted},
		{&pssh.SessionError{Host: "h", Op: "run", Err: context.Canceled}, pssh.FailureInterrupted},
		{&pssh.SessionError{Host: "h", Op: "run", Err: pssh.ErrConnectionLost}, pssh.FailureConnection},
		{&pssh.SessionError{Host: "h", Op: "open session", Err: errors.New("refused")}, pssh.FailureSession},
		{&pssh.EnvError{Host: "h", Name: "X"}, pssh.FailureSession},
		{&pssh.TransferError{Host: "h", Op: "write", Err: pssh.ErrNoSpace}, pssh.FailureTransfer},
		{&pssh.TransferError{Host: "h", Op: "read", Err: fmt.Errorf("x: %w", pssh.ErrConnectionLost)}, pssh.FailureConnection},
		// A jump host's failure is classified by its own error.
		{&pssh.JumpError{Host: "h", Hop: "j", HopIndex: 1, Err: &pssh.AuthenticationError{Host: "j"}}, pssh.FailureAuthentication},
		{fmt.Errorf("wrapped: %w", &pssh.HostKeyError{Host: "h"}), pssh.FailureHostKey},
		{errors.New("something else"), pssh.FailureOther},
	}
	for _, tt := range tests {
		if got := pssh.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%T %v) = %v, want %v", tt.err, tt.err, got, tt.want)
		}
	}
}

func TestUnreached(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&pssh.UnknownHostError{Host: "h"}, true},
		{&pssh.ConnectionError{Host: "h", Err: errors.New("refused")}, true},
		{&pssh.HostKeyError{Host: "h", Unknown: true}, true},
		{&pssh.AuthenticationError{Host: "h"}, true},
		{&pssh.TimeoutError{Host: "h", Phase: pssh.PhaseHandshake}, true},
		{&pssh.NotStartedError{Host: "h", Err: context.Canceled}, true},
		{&pssh.JumpError{Host: "h", Hop: "j", HopIndex: 1, Err: &pssh.AuthenticationError{Host: "j"}}, true},
		// Reached, then failed.
		{&pssh.TimeoutError{Host: "h", Phase: pssh.PhaseCommand, Deadline: true, Err: context.DeadlineExceeded}, false},
		{&pssh.SessionError{Host: "h", Op: "run", Err: pssh.ErrConnectionLost}, false},
		{&pssh.SessionError{Host: "h", Op: "open session", Err: errors.New("refused")}, false},
		{&pssh.SessionError{Host: "h", Op: "run", Err: context.Canceled}, false},
		{errors.New("something else"), false},
	}
	for _, tt := range tests {
		if got := pssh.Unreached(tt.err); got != tt.want {
			t.Errorf("Unreached(%T %v) = %t, want %t", tt.err, tt.err, got, tt.want)
		}
	}
}

func TestFailureKindString(t *testing.T) {
	for k, want := range map[pssh.FailureKind]string{
		pssh.NoFailure: "none", pssh.FailureHostKey: "host_key", pssh.FailureCommand: "command", pssh.FailureKind(99): "FailureKind(99)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestHostOutputFailure runs commands that succeed, fail, are killed and
// time out, and checks each host's Failure.
func TestHostOutputFailure(t *testing.T) {
	fleet, cfg := testFleet(t, 4, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	opt := &pssh.RunOptions{ContinueOnErrors: true, HostArgs: [][]string{{"0"}, {"3"}, {"kill -9 $$"}, {"sleep 60"}}, HostTimeout: 2 * time.Second}
	outs, err := c.Run(ctxT(t), "%s", opt)
	if err != nil {
		t.Fatal(err)
	}
	// "0" and "3" are commands that do not exist: sh exits 127.
	outs2, err := c.Run(ctxT(t), "exit %s", &pssh.RunOptions{ContinueOnErrors: true, HostArgs: [][]string{{"0"}, {"3"}, {"0"}, {"0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), append(outs, outs2...), nil); err != nil {
		t.Fatal(err)
	}
	want := []pssh.FailureKind{pssh.FailureCommand, pssh.FailureCommand, pssh.FailureCommand, pssh.FailureTimeout}
	for i, o := range outs {
		if got := o.Failure(); got != want[i] {
			t.Errorf("host %d: Failure() = %v, want %v (err %v)", i, got, want[i], o.Err())
		}
	}
	var te *pssh.TimeoutError
	if !errors.As(outs[3].Err(), &te) || !te.Deadline || te.Phase != pssh.PhaseCommand {
		t.Errorf("host 3: error %v, want a timeout at the run's deadline while the command ran", outs[3].Err())
	}
	for i, want := range []pssh.FailureKind{pssh.NoFailure, pssh.FailureCommand, pssh.NoFailure, pssh.NoFailure} {
		if got := outs2[i].Failure(); got != want {
			t.Errorf("exit run, host %d: Failure() = %v, want %v", i, got, want)
		}
	}
}

// TestCompleted checks that Completed yields hosts in the order they
// finish, not in host order, and every host once.
func TestCompleted(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	// Host 0 waits for its input, host 2 for host 1's end: the order of
	// completion is 1, 2, 0 whatever the scheduling.
	outs, err := c.Run(ctxT(t), "%s", &pssh.RunOptions{HostArgs: [][]string{{"read x"}, {"true"}, {"read x"}}})
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for i, o := range pssh.Completed(ctxT(t), outs) {
		if outs[i] != o {
			t.Fatalf("index %d yields another output", i)
		}
		order = append(order, i)
		switch i {
		case 1:
			outs[2].Stdin.Close()
		case 2:
			outs[0].Stdin.Close()
		}
	}
	if fmt.Sprint(order) != "[1 2 0]" {
		t.Errorf("completion order %v, want [1 2 0]", order)
	}

	// Stopping early, and a context that ends, end the sequence.
	outs, err = c.Run(ctxT(t), "read x", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	outs[1].Stdin.Close()
	n := 0
	for range pssh.Completed(ctx, outs) {
		n++
		cancel() // the other hosts are still running
	}
	if n != 1 || ctx.Err() == nil {
		t.Errorf("%d hosts yielded after the context ended, want 1", n)
	}
	for _, o := range outs {
		o.Stdin.Close()
	}
}
