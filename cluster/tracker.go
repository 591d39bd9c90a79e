package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gopssh/pssh"
)

// tickEvery is how often the tracker looks for items unclaimed, workers
// lost and a cancel's grace passed.
const tickEvery = 250 * time.Millisecond

// resubscribeFor is how long a tracker tries to follow a run's events
// again after they failed.
const resubscribeFor = time.Minute

// tracker turns a run's events into its hosts' outputs, and ends the hosts
// that no event will end: items no worker claims, workers lost, a cancel
// no worker answers.
type tracker struct {
	s     *Submitter
	b     *bus
	run   *Run
	items []*runItem
	left  int // hosts not ended

	mu      sync.Mutex
	msgs    *eventFeed    // the events; nil once stopped
	stopped chan struct{} // closed by stopReading
	readErr error         // why read ended, set before it closes its channel

	cancelled   bool
	cancelUntil time.Time
	cancelCause error

	feed *feed       // the health of the events themselves
	do   chan func() // a rollout's requests (see roll), run by loop; nil: none
}

// loop runs until every host has ended.
func (t *tracker) loop(ctx context.Context) {
	defer close(t.run.done)
	defer t.stopReading()
	t.left = len(t.run.hosts)
	t.feed = newFeed(time.Now())
	t.probe(time.Now())
	events := make(chan jetstream.Msg, 64)
	go t.read(events)
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	ctxDone := ctx.Done()
	for t.left > 0 {
		select {
		case m, ok := <-events:
			if !ok {
				t.run.err, events = t.readErr, nil
				// The bus is gone: every host left ends, its fate unknown.
				t.endAll(func(h *relayHost) error { return &pssh.WorkerLostError{Host: h.name, Worker: "?"} })
				continue
			}
			var ev event
			if err := json.Unmarshal(m.Data(), &ev); err == nil && !t.probed(&ev) {
				t.event(&ev)
			}
		case <-ctxDone:
			ctxDone = nil
			t.cancel(context.Cause(ctx))
		case now := <-tick.C:
			t.probe(now)
			if !t.checkFeed(now) {
				t.run.err = fmt.Errorf("events of run %s: none came through for %v", t.run.ID, resubscribeFor)
				t.endAll(func(h *relayHost) error { return &pssh.WorkerLostError{Host: h.name, Worker: "?"} })
				continue
			}
			t.check(now)
		case f := <-t.do:
			f()
		}
	}
}

// read sends the run's events to events until stopReading. When the
// events stop (a NATS node lost, the stream's leader changing, an event
// skipped, the probes not coming back), it follows again from the event
// after the last one read, until resubscribeFor has passed without
// success: the run then fails (Run.Wait), its hosts lost.
func (t *tracker) read(events chan<- jetstream.Msg) {
	defer close(events)
	for {
		t.mu.Lock()
		msgs := t.msgs
		t.mu.Unlock()
		if msgs == nil {
			return
		}
		m, err := msgs.Next()
		if err == nil {
			select {
			case events <- m:
			case <-t.stopped:
				return
			}
			continue
		}
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) && t.isStopped() {
			return
		}
		msgs.Stop()
		if err := t.resubscribe(msgs.last, err); err != nil {
			t.readErr = err // before events closes: loop reads it then
			return
		}
	}
}

// resubscribe replaces the tracker's events after a failure (cause) with
// new ones that start after stream sequence last.
func (t *tracker) resubscribe(last uint64, cause error) error {
	deadline := time.Now().Add(resubscribeFor)
	wait := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		msgs, err := followEvents(ctx, t.b, t.run.ID, last+1)
		cancel()
		if err == nil {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.msgs == nil { // stopped meanwhile
				msgs.Stop()
				return nil
			}
			t.msgs = msgs
			t.feed.reset = time.Now()
			return nil
		}
		if t.isStopped() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("events of run %s: %w (first: %v)", t.run.ID, err, cause)
		}
		select {
		case <-time.After(wait):
		case <-t.stopped:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// stopReading ends read.
func (t *tracker) stopReading() {
	t.mu.Lock()
	defer t.mu.Unlock()
	close(t.stopped)
	if t.msgs != nil {
		t.msgs.Stop()
		t.msgs = nil
	}
}

func (t *tracker) isStopped() bool {
	select {
	case <-t.stopped:
		return true
	default:
		return false
	}
}

// event takes one event, applying it and those it was holding back in
// sequence order; a copy is dropped.
func (t *tracker) event(ev *event) {
	if ev.Item < 0 || ev.Item >= len(t.items) {
		return
	}
	it := t.items[ev.Item]
	if ev.Attempt != it.attempt {
		return // a lost worker's, or one that lost its claim: not news
	}
	it.lastSeen = time.Now()
	switch {
	case ev.Seq < it.next:
		return
	case ev.Seq > it.next:
		if it.early == nil {
			it.early = map[uint64]*event{}
		}
		it.early[ev.Seq] = ev
		return
	}
	for ev != nil {
		it.next++
		t.apply(it, ev)
		ev = it.early[it.next]
		delete(it.early, it.next)
	}
}

// apply applies one event of it.
func (t *tracker) apply(it *runItem, ev *event) {
	if it.over && ev.Type != evDone {
		return // abandoned, refused or lost: late news is not news
	}
	var h *relayHost
	switch ev.Type {
	case evStart, evOut, evErr, evEnd, evFail:
		if ev.Host < 0 || ev.Host >= len(t.run.hosts) || t.run.hosts[ev.Host].item != ev.Item || t.run.hosts[ev.Host].relay.Ended() {
			return
		}
		h = t.run.hosts[ev.Host]
	}
	switch ev.Type {
	case evAccept:
		it.claimed, it.worker = true, ev.Worker
	case evStart:
		h.relay.Start(ev.User, ev.Addr, ev.Command)
		h.started = true
		t.yield(h)
	case evOut:
		h.relay.Stdout().Write(ev.Data)
	case evErr:
		h.relay.Stderr().Write(ev.Data)
	case evEnd:
		code, has := 0, ev.Code != nil
		if has {
			code = *ev.Code
		}
		h.relay.Finish(code, has, ev.Signal, ev.Err.decode(h.name))
		t.left--
	case evFail:
		t.fail(h, ev.Err.decode(h.name))
	case evRefuse:
		if !it.claimed {
			it.over = true
			reason := fmt.Errorf("refused by a worker: %s", ev.Reason)
			t.endItem(it, func(h *relayHost) error { return &pssh.NotStartedError{Host: h.name, Err: reason} })
		}
	case evDone:
		it.over = true
		t.endItem(it, func(h *relayHost) error {
			return &pssh.NotStartedError{Host: h.name, Err: fmt.Errorf("worker %s reported nothing for it", ev.Worker)}
		})
	}
}

// check ends what no event will: items no worker claimed in time, workers
// gone silent, and, past a cancel's grace, everything.
func (t *tracker) check(now time.Time) {
	if t.cancelled && now.After(t.cancelUntil) {
		t.endAll(func(h *relayHost) error {
			if h.started {
				return &pssh.WorkerLostError{Host: h.name, Worker: t.items[h.item].worker}
			}
			return &pssh.NotStartedError{Host: h.name, Err: t.cancelCause}
		})
		return
	}
	busy := t.siteBusy()
	for _, it := range t.items {
		switch {
		case it.over, it.held:
		case !it.claimed && !t.cancelled && t.feed.upTo.Sub(waitingSince(it, busy)) > cmp.Or(t.s.StartTimeout, DefaultStartTimeout):
			// Unclaimed while the tracker's own events came through.
			if t.abandon(it, "abandoned") {
				t.endItem(it, func(h *relayHost) error { return &pssh.NotStartedError{Host: h.name, Err: pssh.ErrNoWorker} })
			}
		case it.claimed && t.feed.upTo.Sub(it.lastSeen) > cmp.Or(t.s.LostAfter, DefaultLostAfter):
			// Silent while the tracker's own events came through.
			t.lost(it)
		}
	}
}

// lost ends the started hosts of it, whose worker went silent, with a
// WorkerLostError, and hands the others to another worker of the site: a
// new attempt of the item, which runs only the hosts no worker has
// claimed (see Worker). Without the item (an attached run) or after
// maxAttempts, they end not started.
func (t *tracker) lost(it *runItem) {
	worker := it.worker
	lostErr := func(h *relayHost) error { return &pssh.WorkerLostError{Host: h.name, Worker: worker} }
	for _, i := range it.hosts {
		if h := t.run.hosts[i]; h.started {
			t.end(h, lostErr)
		}
	}
	if t.requeue(it) {
		return
	}
	it.over = true
	t.endItem(it, func(h *relayHost) error { return &pssh.NotStartedError{Host: h.name, Err: lostErr(h)} })
}

// requeue publishes it again as its next attempt: false if it cannot be.
func (t *tracker) requeue(it *runItem) bool {
	if it.env == nil || it.attempt+1 >= maxAttempts || t.cancelled {
		return false
	}
	left := false
	for _, i := range it.hosts {
		left = left || !t.run.hosts[i].relay.Ended()
	}
	if !left {
		it.over = true
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := &nats.Msg{Subject: it.subject, Data: it.env, Header: nats.Header{}}
	msg.Header.Set(AttemptHeader, strconv.Itoa(it.attempt+1))
	if _, err := t.b.js.PublishMsg(ctx, msg); err != nil {
		return false
	}
	it.attempt++
	it.claimed, it.worker, it.next, it.early = false, "", 1, nil
	it.published = time.Now()
	return true
}

// abandon claims an item for the submitter, so that no worker runs it:
// true if the claim is ours; false if a worker's came first (the item is
// then claimed, and watched for its worker's silence).
func (t *tracker) abandon(it *runItem, why string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := claimKey(t.run.ID, indexOf(t.items, it), it.attempt)
	ours, holder, err := claim(ctx, t.b.claimsKV, key, why)
	if ours {
		it.over = true
		return true
	}
	if err == nil {
		it.claimed, it.worker, it.lastSeen = true, holderName(holder), time.Now()
	}
	return false
}

// cancel withdraws the unclaimed items and tells the workers to stop.
func (t *tracker) cancel(cause error) {
	t.cancelled, t.cancelCause = true, cause
	t.cancelUntil = time.Now().Add(cmp.Or(t.s.CancelGrace, DefaultCancelGrace))
	subject := t.b.cancel(t.run.ID)
	conn := t.b.js.Conn()
	conn.Publish(subject, nil)
	t.s.withdraw(t.b, t.run.ID, t.items)
	for _, it := range t.items {
		if !it.over && !it.claimed && t.abandon(it, "cancelled") {
			t.endItem(it, func(h *relayHost) error { return &pssh.NotStartedError{Host: h.name, Err: cause} })
		}
	}
	// Again: a worker whose claim won over ours listened before claiming.
	conn.Publish(subject, nil)
	conn.Flush()
}

// endItem ends the item's hosts not ended yet, with the error errFor
// gives.
func (t *tracker) endItem(it *runItem, errFor func(*relayHost) error) {
	for _, i := range it.hosts {
		t.end(t.run.hosts[i], errFor)
	}
}

// endAll ends every host not ended yet.
func (t *tracker) endAll(errFor func(*relayHost) error) {
	for _, h := range t.run.hosts {
		t.end(h, errFor)
	}
}

// end ends one host, if not ended: a started host keeps its output.
func (t *tracker) end(h *relayHost, errFor func(*relayHost) error) {
	if h.relay.Ended() {
		return
	}
	if h.started {
		h.relay.Finish(0, false, "", errFor(h))
		t.left--
		return
	}
	t.fail(h, errFor(h))
}

// fail ends a host that never started.
func (t *tracker) fail(h *relayHost, err error) {
	h.relay.Fail(err)
	t.yield(h)
	t.left--
}

// yield hands a host's output to Run.Outputs, once.
func (t *tracker) yield(h *relayHost) {
	if !h.yielded {
		h.yielded = true
		t.run.outputs <- h.relay.Output()
	}
}

func indexOf(items []*runItem, it *runItem) int {
	for i, x := range items {
		if x == it {
			return i
		}
	}
	return -1
}
