package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/gopssh/pssh"
)

// roll drives a run's rollout (Job.Options.Rollout) with
// pssh.DriveRollout, which decides it as a direct run's: each batch's
// items are signed and handed to the workers as the batch starts, and the
// hosts the rollout does not start end with the library's
// *pssh.NotStartedError. items are the run's, in the order of t's items.
// The tracker's loop does the work (it owns the items); roll asks it.
func (s *Submitter) roll(ctx context.Context, t *tracker, r *pssh.Rollout, items []item) {
	defer close(t.run.rolled)
	outputs := make([]*pssh.HostOutput, len(t.run.hosts))
	for i, h := range t.run.hosts {
		outputs[i] = h.relay.Output()
	}
	// ask runs f in the tracker's loop, unless the loop is over (every
	// host ended: a cancel ended them all).
	ask := func(f func()) {
		select {
		case t.do <- f:
		case <-t.run.done:
		}
	}
	start := func(n int, _ []int) {
		ask(func() {
			for k := range items {
				if ri := t.items[k]; ri.held && !ri.over && ri.batch == n+1 {
					s.handOut(ctx, t, ri, &items[k])
				}
			}
		})
	}
	skip := func(i int, err error) {
		ask(func() {
			h := t.run.hosts[i]
			t.end(h, func(*relayHost) error { return err })
			it := t.items[h.item]
			if it.held && t.itemEnded(it) {
				it.over = true // never handed out
			}
		})
	}
	// The batches were checked by Submit: DriveRollout cannot refuse them.
	pssh.DriveRollout(ctx, r, outputs, start, skip)
}

// handOut publishes a held item of a rollout; if it cannot, its hosts
// end not started, saying why.
func (s *Submitter) handOut(ctx context.Context, t *tracker, ri *runItem, it *item) {
	// Signed as handed out: a rollout longer than MaxItemAge still has
	// its last batches run.
	it.Created = time.Now().UTC()
	if err := s.publish(ctx, t.b, ri, it); err != nil {
		ri.over = true
		t.endItem(ri, func(h *relayHost) error {
			return &pssh.NotStartedError{Host: h.name, Err: fmt.Errorf("handing out its batch: %w", err)}
		})
	}
}

// itemEnded tells whether every host of it has ended.
func (t *tracker) itemEnded(it *runItem) bool {
	for _, i := range it.hosts {
		if !t.run.hosts[i].relay.Ended() {
			return false
		}
	}
	return true
}
