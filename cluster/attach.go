package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNoRun is the error of Attach for a run the events stream does not
// hold: never submitted, or older than the stream keeps (DefaultEventsMaxAge).
var ErrNoRun = errors.New("cluster: no such run")

// ErrRollout is the error of Attach for a run submitted with a rollout
// (RunOptions.Rollout): its submitter hands out its batches as they
// start, and only it follows the run.
var ErrRollout = errors.New("cluster: a rollout cannot be attached")

// runIDRE is what a run id is: 16 random bytes in hex.
var runIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Attach returns run id, submitted earlier (by this process or another
// one that left it: pssh --detach), rebuilt from its events: its outputs
// replay what the workers reported so far, then follow the run live, as
// Submit's do. Each host ends once, as in Submit's Run; items still
// unclaimed StartTimeout after the submission, and workers silent for
// LostAfter, end as they would there. When ctx ends, the run is
// cancelled, as Submit's is. The submitter's Key is not needed (a nil Key
// is fine): attaching runs nothing new.
func (s *Submitter) Attach(ctx context.Context, id string) (*Run, error) {
	if !runIDRE.MatchString(id) {
		return nil, fmt.Errorf("run id %q: want 32 hexadecimal digits", id)
	}
	if s.Conn == nil {
		return nil, errors.New("cluster: Submitter.Conn is required")
	}
	b, err := s.bus(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := b.eventS.GetLastMsgForSubject(ctx, b.events(id)); err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, fmt.Errorf("%w %s", ErrNoRun, id)
		}
		return nil, fmt.Errorf("events of run %s: %w", id, err)
	}
	msgs, err := followEvents(ctx, b, id, 1)
	if err != nil {
		return nil, fmt.Errorf("events of run %s: %w", id, err)
	}
	parts, err := readManifest(msgs)
	if err != nil {
		msgs.Stop()
		return nil, fmt.Errorf("run %s: %w", id, err)
	}
	if parts[len(parts)-1].Batch > 0 {
		msgs.Stop()
		return nil, fmt.Errorf("run %s is a rollout, driven by its submitter: %w", id, ErrRollout)
	}
	r := s.newRun(id, parts)
	close(r.rolled)
	t := &tracker{s: s, b: b, run: r, items: r.items, msgs: msgs, stopped: make(chan struct{})}
	go t.loop(ctx)
	return r, nil
}

// readManifest reads a run's first events, its manifest, and checks it is
// whole: every item described once, every host in one item.
func readManifest(msgs *eventFeed) ([]*manifest, error) {
	var parts []*manifest
	seen := 0
	for parts == nil || seen < len(parts) {
		m, err := msgs.Next()
		if err != nil {
			return nil, err
		}
		var man manifest
		if err := json.Unmarshal(m.Data(), &man); err != nil || man.Type != evRun {
			return nil, errors.New("its events do not start with its manifest (submitted by an older pssh?)")
		}
		if parts == nil {
			if man.Parts < 1 || man.Parts > man.Total || man.Total < 1 {
				return nil, errors.New("a bad manifest")
			}
			parts = make([]*manifest, man.Parts)
		}
		if man.Part < 0 || man.Part >= len(parts) || parts[man.Part] != nil || man.Parts != len(parts) {
			return nil, errors.New("a bad manifest")
		}
		parts[man.Part] = &man
		seen++
	}
	hosts := 0
	total := parts[0].Total
	have := make([]bool, total)
	for _, p := range parts {
		for _, h := range p.Hosts {
			if p.Total != total || h.Index < 0 || h.Index >= total || have[h.Index] {
				return nil, errors.New("a bad manifest")
			}
			have[h.Index] = true
			hosts++
		}
	}
	if hosts != total {
		return nil, errors.New("a manifest missing hosts")
	}
	return parts, nil
}
