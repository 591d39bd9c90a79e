package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"github.com/gopssh/pssh/sshtest"
)

// batchLog records a rollout's batch events, checking as each batch starts
// that every host of the earlier batches has finished and that none of
// this batch's has started yet.
type batchLog struct {
	t      *testing.T
	mu     sync.Mutex
	events []pssh.Batch
	seen   []*pssh.HostOutput // the hosts of the batches that started
	last   chan struct{}      // closed with the last event
}

func newBatchLog(t *testing.T) *batchLog { return &batchLog{t: t, last: make(chan struct{})} }

func (l *batchLog) onBatch(b pssh.Batch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, b)
	if b.Ended {
		if b.Number == b.Of || b.Stop != nil {
			close(l.last)
		}
		return
	}
	for _, o := range l.seen {
		select {
		case <-o.Done():
		default:
			l.t.Errorf("batch %d started while %s of an earlier batch ran", b.Number, o.Host)
		}
	}
	for _, o := range b.Outputs {
		if start, _ := o.Times(); !start.IsZero() {
			l.t.Errorf("batch %d: %s started before its batch", b.Number, o.Host)
		}
	}
	l.seen = append(l.seen, b.Outputs...)
}

// shape returns the events as "start 1/3 [0 1]", "end 1/3 failed 0", ...,
// once the last came.
func (l *batchLog) shape() []string {
	<-l.last
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, b := range l.events {
		var idx []int
		for _, o := range b.Outputs {
			idx = append(idx, o.Index)
		}
		s := fmt.Sprintf("start %d/%d %v", b.Number, b.Of, idx)
		if b.Canary {
			s += " canary"
		}
		if b.Ended {
			s = fmt.Sprintf("end %d/%d failed %d", b.Number, b.Of, b.Failed)
			if b.Stop != nil {
				s += " stop: " + b.Stop.Reason.Error()
			}
		}
		out = append(out, s)
	}
	return out
}

// exitArgs formats "exit %s" with one code per host.
func exitArgs(codes ...int) [][]string {
	var out [][]string
	for _, c := range codes {
		out = append(out, []string{fmt.Sprint(c)})
	}
	return out
}

// kinds returns each output's failure kind once finished.
func kinds(t *testing.T, c *pssh.Client, outs []*pssh.HostOutput) []string {
	t.Helper()
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range outs {
		out = append(out, o.Failure().String())
	}
	return out
}

func TestRollout(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int // each host's exit status
		rollout   pssh.Rollout
		wantKinds []string
		wantShape []string
		wantStop  error // the reason the hosts not started carry
	}{
		{
			name:      "batches of two",
			codes:     []int{0, 0, 0, 0, 0},
			rollout:   pssh.Rollout{BatchSize: 2},
			wantKinds: []string{"none", "none", "none", "none", "none"},
			wantShape: []string{"start 1/3 [0 1]", "end 1/3 failed 0", "start 2/3 [2 3]", "end 2/3 failed 0", "start 3/3 [4]", "end 3/3 failed 0"},
		},
		{
			name:      "batch percent, rounded up",
			codes:     []int{0, 1, 0, 0, 0},
			rollout:   pssh.Rollout{BatchPercent: 50},
			wantKinds: []string{"none", "command", "none", "none", "none"},
			wantShape: []string{"start 1/2 [0 1 2]", "end 1/2 failed 1", "start 2/2 [3 4]", "end 2/2 failed 1"},
		},
		{
			name:      "canary fails",
			codes:     []int{0, 3, 0, 0, 0},
			rollout:   pssh.Rollout{Canary: 2, BatchSize: 2},
			wantKinds: []string{"none", "command", "not_started", "not_started", "not_started"},
			wantShape: []string{"start 1/3 [0 1] canary", "end 1/3 failed 1 stop: canary failed"},
			wantStop:  pssh.ErrCanaryFailed,
		},
		{
			name:      "canary passes",
			codes:     []int{0, 0, 1, 0},
			rollout:   pssh.Rollout{Canary: 1},
			wantKinds: []string{"none", "none", "command", "none"},
			wantShape: []string{"start 1/2 [0] canary", "end 1/2 failed 0", "start 2/2 [1 2 3]", "end 2/2 failed 1"},
		},
		{
			name:      "max-fail stops mid-batch, one at a time",
			codes:     []int{0, 1, 0, 1, 0, 0},
			rollout:   pssh.Rollout{MaxFail: 2, Running: 1},
			wantKinds: []string{"none", "command", "none", "command", "not_started", "not_started"},
			wantShape: []string{"start 1/1 [0 1 2 3 4 5]", "end 1/1 failed 2 stop: max-fail reached"},
			wantStop:  pssh.ErrMaxFailReached,
		},
		{
			name:      "max-fail percent stops between batches",
			codes:     []int{0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, // the last of its batch: all of it starts
			rollout:   pssh.Rollout{MaxFailPercent: 10, BatchSize: 4},
			wantKinds: []string{"none", "none", "none", "command", "not_started", "not_started", "not_started", "not_started", "not_started", "not_started"},
			wantShape: []string{"start 1/3 [0 1 2 3]", "end 1/3 failed 1 stop: max-fail reached"},
			wantStop:  pssh.ErrMaxFailReached,
		},
		{
			name:      "max-fail reached by the last host",
			codes:     []int{0, 0, 1},
			rollout:   pssh.Rollout{MaxFail: 1, BatchSize: 1},
			wantKinds: []string{"none", "none", "command"},
			wantShape: []string{"start 1/3 [0]", "end 1/3 failed 0", "start 2/3 [1]", "end 2/3 failed 0", "start 3/3 [2]", "end 3/3 failed 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fleet, cfg := testFleet(t, len(tt.codes), sshtest.Faults{})
			c := newClient(t, fleet.Addrs(), cfg)
			log := newBatchLog(t)
			r := tt.rollout
			r.OnBatch = log.onBatch
			outs, err := c.Run(ctxT(t), "exit %s", &pssh.RunOptions{HostArgs: exitArgs(tt.codes...), Rollout: &r})
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(t, c, outs); !slices.Equal(got, tt.wantKinds) {
				t.Errorf("kinds %v, want %v", got, tt.wantKinds)
			}
			if got := log.shape(); !slices.Equal(got, tt.wantShape) {
				t.Errorf("batches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantShape, "\n"))
			}
			for _, o := range outs {
				if o.Failure() != pssh.FailureNotStarted {
					continue
				}
				var stop *pssh.RolloutStopError
				if !errors.As(o.Err(), &stop) || !errors.Is(o.Err(), tt.wantStop) {
					t.Errorf("%s: %v, want a RolloutStopError for %v", o.Host, o.Err(), tt.wantStop)
				}
				if o.Stdin == nil {
					t.Fatalf("%s: nil Stdin", o.Host)
				}
				if _, err := o.Stdin.Write([]byte("x")); !errors.Is(err, pssh.ErrNotRunning) {
					t.Errorf("%s: writing stdin of a host never started: %v", o.Host, err)
				}
			}
		})
	}
}

// A host of a later batch reads the input written before it started.
func TestRolloutStdinBeforeStart(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "cat", &pssh.RunOptions{Rollout: &pssh.Rollout{BatchSize: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		go func() {
			io.WriteString(o.Stdin, "hello "+o.Host)
			o.Stdin.Close()
		}()
	}
	for _, o := range outs {
		if got := joinLines(o.Stdout); got != "hello "+o.Host {
			t.Errorf("%s: %q", o.Host, got)
		}
	}
}

// Cancelling the run during a pause starts no further host.
func TestRolloutPauseCancelled(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	r := &pssh.Rollout{BatchSize: 1, Pause: time.Hour, OnBatch: func(b pssh.Batch) {
		if b.Ended {
			cancel()
		}
	}}
	outs, err := c.Run(ctx, "true", &pssh.RunOptions{Rollout: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(t, c, outs); !slices.Equal(got, []string{"none", "not_started", "not_started"}) {
		t.Errorf("kinds %v", got)
	}
	if !errors.Is(outs[2].Err(), context.Canceled) {
		t.Errorf("%v, want the context's error", outs[2].Err())
	}
}

func TestRolloutInvalid(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	for _, r := range []pssh.Rollout{
		{Canary: -1},
		{BatchSize: -2},
		{BatchPercent: 101},
		{MaxFailPercent: -5},
		{BatchSize: 2, BatchPercent: 10},
		{MaxFail: 1, MaxFailPercent: 10},
		{Pause: -time.Second},
	} {
		if _, err := c.Run(ctxT(t), "true", &pssh.RunOptions{Rollout: &r}); !errors.Is(err, pssh.ErrInvalidRollout) {
			t.Errorf("%+v: %v, want ErrInvalidRollout", r, err)
		}
	}
}

// Against a real sshd: a canary, batches of two, and max-fail stopping
// the fleet in its third batch, one host at a time.
func TestOpenSSHRollout(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}})
	c := newClient(t, s.Addrs, cfg)
	log := newBatchLog(t)
	r := &pssh.Rollout{Canary: 1, BatchSize: 2, MaxFail: 2, Running: 1, OnBatch: log.onBatch}
	outs, err := c.Run(ctxT(t), "exit %s", &pssh.RunOptions{HostArgs: exitArgs(0, 1, 0, 0, 1, 0), Rollout: r})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kinds(t, c, outs), []string{"none", "command", "none", "none", "command", "not_started"}; !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	want := []string{"start 1/4 [0] canary", "end 1/4 failed 0", "start 2/4 [1 2]", "end 2/4 failed 1",
		"start 3/4 [3 4]", "end 3/4 failed 2 stop: max-fail reached"}
	if got := log.shape(); !slices.Equal(got, want) {
		t.Errorf("batches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Join returns only once the end of each batch it waits for has been
// reported, so that a summary made after Join counts every batch.
func TestRolloutJoinAfterLastReport(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	joining := make(chan struct{})
	var reported atomic.Int32
	r := &pssh.Rollout{BatchSize: 1, OnBatch: func(b pssh.Batch) {
		if b.Ended && b.Number == b.Of {
			<-joining // the report is still being made while Join is called
		}
		if b.Ended {
			reported.Add(1)
		}
	}}
	outs, err := c.Run(ctxT(t), "true", &pssh.RunOptions{Rollout: r})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		<-o.Done()
	}
	close(joining)
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	if got := reported.Load(); got != 2 {
		t.Errorf("Join returned with %d of 2 batch ends reported", got)
	}
}
