package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/gopssh/pssh"
)

// The errors of runs through workers have their own status lines.
func TestErrStatusCluster(t *testing.T) {
	for _, tc := range []struct {
		err  error
		out  outcome
		text string
		kind string
	}{
		{&pssh.WorkerLostError{Host: "h", Worker: "w1"}, killed, "worker lost (the command's fate is unknown)", "worker_lost"},
		{&pssh.NotStartedError{Host: "h", Err: pssh.ErrNoWorker}, killed, "not started: " + pssh.ErrNoWorker.Error(), "not_started"},
		{&pssh.NotStartedError{Host: "h", Err: fmt.Errorf("refused by a worker: untrusted")}, killed, "not started: refused by a worker: untrusted", "not_started"},
		{&pssh.NotStartedError{Host: "h", Err: context.Canceled}, killed, "not started (interrupted)", "not_started"},
		{&pssh.NotStartedError{Host: "h", Err: &pssh.RemoteError{Kind: pssh.FailureInterrupted, Message: "context canceled"}}, killed, "not started (interrupted)", "not_started"},
		{&pssh.RemoteError{Host: "h", Kind: pssh.FailureAuthentication, Message: "h: authentication failed"}, connectFailed, "authentication failed", "authentication"},
	} {
		out, text, kind := errStatus(tc.err)
		if out != tc.out || text != tc.text || kind != tc.kind {
			t.Errorf("%v: %v %q %q, want %v %q %q", tc.err, out, text, kind, tc.out, tc.text, tc.kind)
		}
	}
}
