package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// batchLog records a rollout's batch reports, as text to compare.
type batchLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *batchLog) onBatch(b pssh.Batch) {
	hosts := make([]string, len(b.Outputs))
	for i, o := range b.Outputs {
		hosts[i] = o.Host
	}
	line := fmt.Sprintf("%d/%d canary=%v ended=%v failed=%d hosts=%v", b.Number, b.Of, b.Canary, b.Ended, b.Failed, hosts)
	if b.Stop != nil {
		line += " stop: " + b.Stop.Error()
	}
	l.mu.Lock()
	l.seen = append(l.seen, line)
	l.mu.Unlock()
}

func (l *batchLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

// A rollout through the workers (Job.Options.Rollout) runs, stops and
// reports as the same rollout of a direct run: the same hosts run, the
// same hosts end not started with a *pssh.RolloutStopError, the same
// batch reports, the same outputs.
func TestClusterRolloutMatchesDirect(t *testing.T) {
	fleet := sshtest.StartFleet(t, 5, sshtest.Config{})
	cfg := fleet.ClientConfig()
	cfg.ConnectTimeout = 10 * time.Second
	a := fleet.Addrs()
	closed := closedAddr(t)
	c := newCluster(t)
	c.worker("w1", "default", cfg, nil)
	c.worker("w2", "default", cfg, nil)

	for _, tc := range []struct {
		name    string
		hosts   []string
		rollout pssh.Rollout
		stopped error // the reason hosts were not started; nil: every host ran
	}{
		{"batches", a, pssh.Rollout{BatchSize: 2}, nil},
		{"max-fail", []string{a[0], a[1], a[2], closed, a[3], a[4]}, pssh.Rollout{BatchSize: 2, MaxFail: 1}, pssh.ErrMaxFailReached},
		{"canary", append([]string{closed}, a...), pssh.Rollout{Canary: 1, BatchPercent: 50}, pssh.ErrCanaryFailed},
		{"pause", a[:3], pssh.Rollout{Canary: 1, Pause: 50 * time.Millisecond}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const command = `echo out; echo err >&2`
			var directLog, clusterLog batchLog
			rd, rc := tc.rollout, tc.rollout
			rd.OnBatch, rc.OnBatch = directLog.onBatch, clusterLog.onBatch
			want := direct(t, tc.hosts, cfg, command, &pssh.RunOptions{Rollout: &rd})
			run, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(tc.hosts, ""), Command: command,
				Options: pssh.RunOptions{Rollout: &rc}})
			if err != nil {
				t.Fatal(err)
			}
			var errs sync.Map
			got := collectWith(t, run, func(o *pssh.HostOutput) { errs.Store(o.Index, o.Err()) })

			notStarted := 0
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("host %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
				if got[i].Kind == pssh.FailureNotStarted {
					notStarted++
					e, _ := errs.Load(i)
					var stop *pssh.RolloutStopError
					if err, _ := e.(error); !errors.As(err, &stop) || !errors.Is(err, tc.stopped) {
						t.Errorf("host %d: %v, want a *RolloutStopError (%v)", i, e, tc.stopped)
					}
				}
			}
			if (notStarted > 0) != (tc.stopped != nil) {
				t.Errorf("%d hosts not started, want some: %v", notStarted, tc.stopped != nil)
			}
			if d, g := directLog.lines(), clusterLog.lines(); !slices.Equal(d, g) {
				t.Errorf("batch reports:\n got %q\nwant %q", g, d)
			}
		})
	}
}

// collectWith is collect, calling also see with each output once it has
// ended.
func collectWith(t *testing.T, run *cluster.Run, see func(*pssh.HostOutput)) []hostResult {
	t.Helper()
	res := make([]hostResult, run.Len())
	var wg sync.WaitGroup
	for o := range run.Outputs() {
		wg.Go(func() {
			r := result(t, o)
			see(o)
			res[o.Index] = r
		})
	}
	wg.Wait()
	if err := run.Wait(ctxT(t)); err != nil {
		t.Errorf("run: %v", err)
	}
	return res
}

// A rollout's run cannot be attached: its submitter drives it.
func TestClusterRolloutNotAttached(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	c := newCluster(t)
	c.worker("w1", "default", srv.ClientConfig(), nil)
	s := c.submitter(c.key)
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "true",
		Options: pssh.RunOptions{Rollout: &pssh.Rollout{BatchSize: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attach(ctxT(t), run.ID); !errors.Is(err, cluster.ErrRollout) {
		t.Errorf("Attach: %v, want ErrRollout", err)
	}
	collect(t, run)
	if _, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "true",
		Options: pssh.RunOptions{Rollout: &pssh.Rollout{BatchSize: -1}}}); !errors.Is(err, pssh.ErrInvalidRollout) {
		t.Errorf("Submit of a bad rollout: %v, want ErrInvalidRollout", err)
	}
}

// Cancelling a rollout through the workers (Ctrl-C) during a pause ends
// the wait: the later batches are never handed out, their hosts end not
// started for the cancel's reason, and the run ends at once.
func TestClusterRolloutCancelled(t *testing.T) {
	fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
	c := newCluster(t)
	c.worker("w1", "default", fleet.ClientConfig(), nil)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	run, err := c.submitter(c.key).Submit(ctx, &cluster.Job{Hosts: jobHosts(fleet.Addrs(), ""), Command: "echo ran",
		Options: pssh.RunOptions{Rollout: &pssh.Rollout{BatchSize: 1, Pause: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	var outs []*pssh.HostOutput
	for o := range run.Outputs() {
		outs = append(outs, o)
		if len(outs) == 1 {
			<-o.Done() // the first batch ended: the pause begins
			cancel()
		}
	}
	start := time.Now()
	if err := run.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run ended %v after the cancel", d)
	}
	for _, o := range outs {
		if o.Index == 0 {
			if code, ok := o.ExitCode(); !ok || code != 0 || o.Err() != nil {
				t.Errorf("first host: exit %d %v, %v: want it run", code, ok, o.Err())
			}
			continue
		}
		if o.Failure() != pssh.FailureNotStarted || !errors.Is(o.Err(), context.Canceled) {
			t.Errorf("%s: %v (%v), want not started, cancelled", o.Host, o.Failure(), o.Err())
		}
	}
	if len(outs) != 3 {
		t.Errorf("%d hosts yielded, want 3", len(outs))
	}
	for i, srv := range fleet.Servers {
		want := int64(0) // never handed out
		if i == 0 {
			want = 1
		}
		if n := srv.Sessions(); n != want {
			t.Errorf("host %d: %d sessions, want %d", i, n, want)
		}
	}
}
