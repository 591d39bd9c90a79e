package cluster

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/workpool"
)

// Worker defaults.
const (
	DefaultWorkerPar  = 32
	DefaultItems      = 2
	DefaultBeat       = time.Second
	DefaultMaxPending = 256
	DefaultStopGrace  = 30 * time.Second
)

// Worker serves the work items of one site: see the package doc. Its zero
// value, with Conn set, serves site "default" with the library's defaults
// and trusts no one (every item is refused): set Trusted.
type Worker struct {
	Conn    *nats.Conn   // the connection to the NATS server or cluster
	Site    string       // the site served; default "default"
	Name    string       // how the worker is named in events; default HOSTNAME-RANDOM
	Config  *pssh.Config // this machine's SSH configuration; nil: the defaults
	Trusted *Trusted     // the submitters whose items are run

	Par        int           // commands running at once per item; default 32
	Items      int           // items run at once; default 2
	Beat       time.Duration // how often a running item says it is alive; default 1s
	MaxPending int           // events published and not yet acknowledged, at most; default 256
	// StopGrace is how long, once Serve's context ends, running items may
	// go on before they are cancelled (their hosts then end interrupted,
	// and are reported so). Default 30s.
	StopGrace time.Duration
	Prefix    string // the cluster's prefix; default "pssh"
	Replicas  int    // copies of the streams, if Serve makes them; default 1

	// Log, if set, is told of refused items and of the worker's own
	// failures.
	Log func(format string, args ...any)
}

// Serve takes the site's items and runs them until ctx ends, then stops
// taking items, lets the running ones finish for StopGrace, cancels those
// left, and returns once each has reported its hosts.
func (w *Worker) Serve(ctx context.Context) error {
	site := w.Site
	if site == "" {
		site = DefaultSite
	}
	if err := CheckSite(site); err != nil {
		return err
	}
	if w.Name == "" {
		w.Name = defaultName()
	}
	js, err := jetstream.New(w.Conn, jetstream.WithPublishAsyncMaxPending(cmp.Or(w.MaxPending, DefaultMaxPending)),
		jetstream.WithPublishAsyncTimeout(ackTimeout))
	if err != nil {
		return err
	}
	b, err := openBus(ctx, js, w.Prefix, w.Replicas)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting: nothing taken, nothing lost
		}
		return err
	}
	var cons jetstream.Consumer
	err = retry(ctx, "site "+site+" consumer", func(ctx context.Context) (err error) {
		cons, err = js.CreateOrUpdateConsumer(ctx, b.workStream(), jetstream.ConsumerConfig{
			Durable:       b.consumer(site),
			FilterSubject: b.siteWork(site),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       30 * time.Second,
		})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	// runCtx outlives ctx by StopGrace: the running items' context.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	slots := make(chan struct{}, cmp.Or(w.Items, DefaultItems))
	var running sync.WaitGroup
	for ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		got := false
		if err == nil {
			for msg := range batch.Messages() {
				got = true
				running.Go(func() {
					defer func() { <-slots }()
					w.handle(runCtx, b, site, msg)
				})
			}
		}
		if !got {
			<-slots
			if err != nil && ctx.Err() == nil {
				w.logf("fetching work: %v", err)
				sleep(ctx, time.Second)
			}
		}
	}
	stopped := make(chan struct{})
	go func() { running.Wait(); close(stopped) }()
	t := time.NewTimer(cmp.Or(w.StopGrace, DefaultStopGrace))
	defer t.Stop()
	select {
	case <-stopped:
	case <-t.C:
		cancelRuns()
		<-stopped
	}
	return nil
}

// handle checks one item and runs it.
func (w *Worker) handle(ctx context.Context, b *bus, site string, msg jetstream.Msg) {
	var env envelope
	var it item
	if err := json.Unmarshal(msg.Data(), &env); err != nil || json.Unmarshal(env.Item, &it) != nil || !nameRE.MatchString(it.Run) {
		w.logf("dropping a malformed work item")
		msg.Term()
		return
	}
	attempt, _ := strconv.Atoi(msg.Headers().Get(AttemptHeader))
	attempt = max(attempt, 0)
	p := newPublisher(b.js, b.events(it.Run), w.Name, it.Item, cmp.Or(w.MaxPending, DefaultMaxPending), w.logf)
	p.attempt = attempt
	defer p.close()
	refuse := func(reason string) {
		w.logf("refusing item %d of run %s: %s", it.Item, it.Run, reason)
		msg.Term()
		p.send(ctx, event{Type: evRefuse, Reason: reason})
	}
	key, err := w.Trusted.open(&env)
	switch {
	case err != nil:
		name := "?"
		if key != nil {
			name = ssh.FingerprintSHA256(key)
		}
		refuse(fmt.Sprintf("worker %s: submitter key %s: %v", w.Name, name, err))
		return
	case it.Site != site:
		refuse(fmt.Sprintf("worker %s serves site %s, not %s", w.Name, site, it.Site))
		return
	case time.Since(it.Created).Abs() > MaxItemAge:
		refuse(fmt.Sprintf("submitted at %v: older than %v, or in the future", it.Created, MaxItemAge))
		return
	}

	itemCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Listen for a cancel before claiming: the submitter cancels, claims
	// what is unclaimed, and cancels again, so a claim of ours that wins
	// hears the second cancel.
	sub, err := b.js.Conn().Subscribe(b.cancel(it.Run), func(*nats.Msg) { cancel() })
	if err == nil {
		defer sub.Unsubscribe()
		err = b.js.Conn().Flush()
	}
	if err != nil {
		w.logf("item %d of run %s: %v", it.Item, it.Run, err)
		msg.Nak()
		return
	}
	mine := claimValue(w.Name)
	ours, holder, err := claim(ctx, b.claimsKV, claimKey(it.Run, it.Item, attempt), mine)
	switch {
	case err != nil:
		w.logf("claiming item %d of run %s: %v", it.Item, it.Run, err)
		msg.NakWithDelay(time.Second) // the bus faltered: another try
		return
	case !ours:
		// Claimed before: a replay, a redelivery, or given up by the
		// submitter. Never run twice.
		w.logf("not running item %d of run %s: already claimed by %s", it.Item, it.Run, holderName(holder))
		msg.Term()
		return
	}
	msg.Ack()
	p.send(ctx, event{Type: evAccept})
	w.run(ctx, itemCtx, b, p, &it, mine)
	p.send(ctx, event{Type: evDone})
}

// run runs an item's hosts, reporting each, with a heartbeat meanwhile.
// ctx bounds the publishing; itemCtx the run.
func (w *Worker) run(ctx, itemCtx context.Context, b *bus, p *publisher, it *item, mine string) {
	beatDone := make(chan struct{})
	var beating sync.WaitGroup
	defer func() {
		close(beatDone)
		beating.Wait() // no beat after the item's last event
	}()
	beating.Go(func() {
		t := time.NewTicker(cmp.Or(w.Beat, DefaultBeat))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.beat()
			case <-beatDone:
				return
			}
		}
	})

	cfg := &pssh.Config{}
	if w.Config != nil {
		c := *w.Config
		cfg = &c
	}
	if it.Options.User != "" {
		cfg.User = it.Options.User
	}
	if it.Options.Port != 0 {
		cfg.Port = it.Options.Port
	}
	par := cmp.Or(w.Par, DefaultWorkerPar)
	cfg.PoolSize = par
	hosts := make([]string, len(it.Hosts))
	for i, h := range it.Hosts {
		hosts[i] = h.Host
	}
	client, err := pssh.New(hosts, cfg)
	if err != nil {
		for _, h := range it.Hosts {
			p.send(ctx, event{Type: evFail, Host: h.Index, Err: encodeError(err)})
		}
		return
	}
	defer client.Close()
	ropt := it.Options.runOptions()
	workpool.Each(len(hosts), par, func(i int) {
		if !w.claimHost(ctx, b, p, it, i, mine) {
			return
		}
		hopt := *ropt
		hopt.Hosts = []int{i}
		outs, _ := client.Run(itemCtx, it.Command, &hopt) // errors are on the output
		w.report(ctx, p, it.Hosts[i].Index, outs[0], it.Input)
	})
}

// claimHost claims host i of it before it starts, and reports false (and
// the host's fate) when another worker has it: a worker lost, whose item
// came to this one, may have started it.
func (w *Worker) claimHost(ctx context.Context, b *bus, p *publisher, it *item, i int, mine string) bool {
	index := it.Hosts[i].Index
	ours, holder, err := claim(ctx, b.claimsKV, hostKey(it.Run, index), mine)
	switch {
	case err != nil:
		p.send(ctx, event{Type: evFail, Host: index, Err: encodeError(&pssh.NotStartedError{Host: it.Hosts[i].Host, Err: fmt.Errorf("claiming the host: %w", err)})})
	case !ours:
		p.send(ctx, event{Type: evFail, Host: index, Err: encodeError(&pssh.WorkerLostError{Host: it.Hosts[i].Host, Worker: holderName(holder)})})
	}
	return ours
}

// report streams one host's events until it ends.
func (w *Worker) report(ctx context.Context, p *publisher, index int, o *pssh.HostOutput, input []byte) {
	if o.Stdin == nil { // it never started
		<-o.Done()
		p.send(ctx, event{Type: evFail, Host: index, Err: encodeError(o.Err())})
		return
	}
	p.send(ctx, event{Type: evStart, Host: index, User: o.User, Addr: o.Addr, Command: o.Command})
	go func() {
		if len(input) > 0 {
			o.Stdin.Write(input)
		}
		o.Stdin.Close()
	}()
	var wg sync.WaitGroup
	for _, s := range []struct {
		typ    string
		stream io.Reader
	}{{evOut, o.Stdout}, {evErr, o.Stderr}} {
		wg.Go(func() {
			buf := make([]byte, ChunkSize)
			for {
				n, err := s.stream.Read(buf)
				if n > 0 {
					p.send(ctx, event{Type: s.typ, Host: index, Data: buf[:n]})
				}
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	<-o.Done()
	ev := event{Type: evEnd, Host: index, Signal: o.ExitSignal(), Err: encodeError(o.Err())}
	if code, ok := o.ExitCode(); ok {
		ev.Code = &code
	}
	p.send(ctx, ev)
}

// publisher publishes one item's events, asynchronously, in order: each
// carries the item's next sequence number, and its message id lets
// JetStream drop a copy. An event whose publication fails (a NATS node
// lost, a stream leader changing) is published again, and the submitter
// puts events back in sequence order.
type publisher struct {
	js      jetstream.JetStream
	subject string
	worker  string
	item    int
	attempt int
	log     func(string, ...any)

	mu     sync.Mutex
	seq    uint64
	acks   chan pending
	acked  chan struct{} // closed when every ack has been awaited
	broken atomic.Bool   // an event was given up on
}

// pending is an event published and not yet acknowledged.
type pending struct {
	msg *nats.Msg
	ack jetstream.PubAckFuture
}

// An event not acknowledged within ackTimeout is published again, for
// republishFor at most, unless the connection is closed for good.
const (
	ackTimeout   = 3 * time.Second
	republishFor = time.Minute
)

func newPublisher(js jetstream.JetStream, subject, worker string, item, maxPending int, log func(string, ...any)) *publisher {
	p := &publisher{js: js, subject: subject, worker: worker, item: item, log: log,
		acks: make(chan pending, maxPending), acked: make(chan struct{})}
	go p.await()
	return p
}

// send publishes ev, waiting while too many events are unacknowledged;
// it gives up when ctx ends.
func (p *publisher) send(ctx context.Context, ev event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	ev.Item, ev.Attempt, ev.Worker, ev.Seq = p.item, p.attempt, p.worker, p.seq
	data, err := json.Marshal(ev)
	if err != nil {
		p.log("event: %v", err)
		return
	}
	msg := &nats.Msg{Subject: p.subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s.%d.%d.%d", p.subject, p.item, p.attempt, p.seq))
	for {
		ack, err := p.js.PublishMsgAsync(msg)
		if err == nil {
			p.acks <- pending{msg, ack}
			return
		}
		if ctx.Err() != nil {
			p.log("publishing an event of item %d: %v", p.item, err)
			p.broken.Store(true)
			return
		}
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			sleep(ctx, 100*time.Millisecond)
		}
	}
}

// await checks each event's acknowledgement, publishing again those that
// failed.
func (p *publisher) await() {
	defer close(p.acked)
	for pe := range p.acks {
		select {
		case <-pe.ack.Ok():
			continue
		case err := <-pe.ack.Err():
			p.republish(pe.msg, err)
		}
	}
}

// republish publishes msg again until it is stored, for republishFor.
func (p *publisher) republish(msg *nats.Msg, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), republishFor)
	defer cancel()
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := p.js.PublishMsg(actx, msg)
		acancel()
		if err == nil {
			return
		}
		if ctx.Err() != nil || p.js.Conn().IsClosed() {
			p.log("an event of item %d lost: %v (first: %v)", p.item, err, cause)
			p.broken.Store(true)
			return
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// beat says the worker is alive and its item's events are on their way:
// a core publish, unsequenced (sequence 0: the tracker notes the sign of
// life and applies nothing), so that it is never held behind the item's
// unacknowledged events when the bus is slow. Once an event was given up
// on, the item beats no more: its submitter is to find it lost, as its
// output is.
func (p *publisher) beat() {
	if p.broken.Load() {
		return
	}
	data, err := json.Marshal(event{Type: evBeat, Item: p.item, Attempt: p.attempt, Worker: p.worker})
	if err == nil {
		p.js.Conn().Publish(p.subject, data)
	}
}

// close waits until every event was acknowledged (or given up on).
func (p *publisher) close() {
	p.mu.Lock()
	close(p.acks)
	p.mu.Unlock()
	<-p.acked
}

func (w *Worker) logf(format string, args ...any) {
	if w.Log != nil {
		w.Log(format, args...)
	}
}

// defaultName is HOSTNAME-RANDOM.
func defaultName() string {
	host, _ := os.Hostname()
	var b [3]byte
	rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
