package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// A submitter whose own events stop coming (its consumer paused, as when
// its NATS node is lost or the stream's leader changes) for longer than
// LostAfter declares no worker lost: the workers went on, and once the
// events come again every host ends as it did.
func TestClusterSubmitterBlind(t *testing.T) {
	fleet := sshtest.StartFleet(t, 2, sshtest.Config{})
	cfg := fleet.ClientConfig()
	c := newCluster(t)
	c.worker("w1", "default", cfg, func(w *cluster.Worker) { w.Beat = 100 * time.Millisecond })
	s := c.submitter(c.key)
	s.LostAfter = time.Second
	command := `echo started; sleep 3; echo end`
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(fleet.Addrs(), ""), Command: command})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(c.connect("pauser"))
	if err != nil {
		t.Fatal(err)
	}
	first := true
	n := 0
	for o := range run.Outputs() {
		if first {
			first = false
			// Blind the submitter: every consumer of the events (its
			// own, ordered) delivers nothing for 6s.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			paused := 0
			stream, err := js.Stream(ctx, cluster.DefaultPrefix+"_EVENTS")
			if err != nil {
				t.Fatal(err)
			}
			for name := range stream.ConsumerNames(ctx).Name() {
				if _, err := js.PauseConsumer(ctx, cluster.DefaultPrefix+"_EVENTS", name, time.Now().Add(6*time.Second)); err != nil {
					t.Fatalf("pausing %s: %v", name, err)
				}
				paused++
			}
			cancel()
			if paused == 0 {
				t.Fatal("no consumer of the events to pause")
			}
		}
		n++
		if r := result(t, o); r.Stdout != "started\nend\n" || r.Code != 0 || !r.HasCode || r.Err != "" {
			t.Errorf("host %d: %+v, want it run to its end", o.Index, r)
		}
	}
	if err := run.Wait(ctxT(t)); err != nil {
		t.Errorf("run: %v", err)
	}
	if n != 2 {
		t.Errorf("%d outputs, want 2", n)
	}
}
