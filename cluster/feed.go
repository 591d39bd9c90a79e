package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
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
	if silent > feedResetAfter && now.Sub(f.reset) > feedResetAfter {
		f.reset = now
		t.mu.Lock()
		if t.msgs != nil {
			t.msgs.Stop() // read follows again, from the last event read
		}
		t.mu.Unlock()
	}
	return true
}
