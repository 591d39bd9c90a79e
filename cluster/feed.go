package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A tracker cannot tell a worker gone silent from its own events gone
// missing (its NATS node lost, the stream's leader changing, its consumer
// being reset) by the events alone: both are silence. So it publishes a
// probe on the run's event subject every probeEvery and watches for it
// to come back through its own consumer. A worker's silence is counted
// only up to the latest probe that came back: while the tracker's feed is
// down, no worker is declared lost.
//
// A feed whose probes have not come back for feedResetAfter is followed
// again from the last event read (the consumer may be stuck in a reset of
// its own), and one silent for resubscribeFor fails the run: the bus is
// lost.
const (
	probeEvery     = time.Second
	feedResetAfter = 5 * time.Second
)

// evProbe is a tracker's probe of its own feed.
const evProbe = "probe"

// feed is a tracker's knowledge of its own events' health.
type feed struct {
	nonce     string               // this tracker's probes carry it
	seq       uint64               // the last probe published
	sent      map[uint64]time.Time // probes published and not back yet
	nextProbe time.Time
	upTo      time.Time // when the latest probe back was published
	reset     time.Time // when the feed was last followed again
}

func newFeed(now time.Time) *feed {
	var b [8]byte
	rand.Read(b[:])
	return &feed{nonce: hex.EncodeToString(b[:]), sent: map[uint64]time.Time{}, upTo: now, reset: now}
}

// probe publishes the next probe, if due.
func (t *tracker) probe(now time.Time) {
	f := t.feed
	if now.Before(f.nextProbe) {
		return
	}
	f.nextProbe = now.Add(probeEvery)
	f.seq++
	data, err := json.Marshal(event{Type: evProbe, Item: -1, Seq: f.seq, Worker: f.nonce})
	if err != nil {
		return
	}
	f.sent[f.seq] = now
	// A core publish: the stream stores it if it can, and a probe lost
	// is as good as one that never came back.
	t.b.js.Conn().Publish(t.b.events(t.run.ID), data)
}

// probed takes a probe that came back: true if it was one.
func (t *tracker) probed(ev *event) bool {
	if ev.Type != evProbe {
		return false
	}
	f := t.feed
	if ev.Worker != f.nonce {
		return true // another tracker's of the same run
	}
	if at, ok := f.sent[ev.Seq]; ok && at.After(f.upTo) {
		f.upTo = at
	}
	for seq := range f.sent {
		if seq <= ev.Seq {
			delete(f.sent, seq)
		}
	}
	return true
}

// checkFeed follows the events again when the probes stopped coming
// back, and reports false once they have been missing for resubscribeFor.
func (t *tracker) checkFeed(now time.Time) bool {
	f := t.feed
	silent := now.Sub(f.upTo)
	if silent > resubscribeFor {
		return false
	}
	if silent > feedResetAfter {
		t.mu.Lock()
		if t.msgs != nil && now.Sub(f.reset) > feedResetAfter {
			f.reset = now
			t.msgs.Stop() // read follows again, from the last event read
		}
		t.mu.Unlock()
	}
	return true
}

// Events are pulled with a heartbeat every eventsHeartbeat, so that a
// consumer lost with its NATS node is noticed within two of them, not
// after the client's default (much longer).
const (
	eventsHeartbeat = time.Second
	eventsExpiry    = 5 * time.Second
	// An events consumer nobody reads from goes after eventsInactive.
	eventsInactive = 2 * time.Minute
)

// errEventGap is an event feed's error for an event delivered out of
// turn: one was lost on the way.
var errEventGap = errors.New("an event was lost on the way")

// eventFeed is a run's events in stream order, from an ephemeral consumer
// of the events stream. Unlike the client's ordered consumer, it never
// recreates itself: any failure (heartbeats missing, an event skipped) is
// its caller's to handle, by following again from last+1 within its own
// time bounds (the ordered consumer retries inside Next with 10s
// attempts that even Stop waits for).
type eventFeed struct {
	b         *bus
	cons      jetstream.Consumer
	msgs      jetstream.MessagesContext
	delivered uint64 // the consumer sequence of the last event returned
	last      uint64 // its stream sequence (0: none)
}

// followEvents follows run's events from stream sequence from (1: all).
func followEvents(ctx context.Context, b *bus, run string, from uint64) (*eventFeed, error) {
	cons, err := b.js.CreateConsumer(ctx, b.eventStream(), jetstream.ConsumerConfig{
		FilterSubject:     b.events(run),
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       max(from, 1),
		AckPolicy:         jetstream.AckNonePolicy,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: eventsInactive,
	})
	if err != nil {
		return nil, err
	}
	msgs, err := cons.Messages(jetstream.PullHeartbeat(eventsHeartbeat), jetstream.PullExpiry(eventsExpiry),
		jetstream.WithMessagesErrOnMissingHeartbeat(true))
	if err != nil {
		go deleteConsumer(b, cons)
		return nil, err
	}
	return &eventFeed{b: b, cons: cons, msgs: msgs, last: max(from, 1) - 1}, nil
}

// Next returns the next event.
func (f *eventFeed) Next() (jetstream.Msg, error) {
	m, err := f.msgs.Next()
	if err != nil {
		return nil, err
	}
	md, err := m.Metadata()
	if err != nil {
		return nil, err
	}
	if md.Sequence.Consumer != f.delivered+1 {
		return nil, errEventGap
	}
	f.delivered, f.last = md.Sequence.Consumer, md.Sequence.Stream
	return m, nil
}

// Stop ends the feed, and deletes its consumer in the background.
func (f *eventFeed) Stop() {
	f.msgs.Stop()
	go deleteConsumer(f.b, f.cons)
}

func deleteConsumer(b *bus, cons jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.js.DeleteConsumer(ctx, b.eventStream(), cons.CachedInfo().Name)
}
