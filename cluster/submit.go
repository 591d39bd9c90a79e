package cluster

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
)

// Submitter defaults.
const (
	DefaultItemHosts    = 256
	DefaultStartTimeout = 60 * time.Second
	DefaultLostAfter    = 10 * time.Second
	DefaultCancelGrace  = 10 * time.Second
)

// Submitter hands runs to the workers: see the package doc. Conn and Key
// are required; the rest has working defaults.
type Submitter struct {
	Conn *nats.Conn // the connection to the NATS server or cluster
	Key  ssh.Signer // the submitter's ed25519 key (LoadOrCreateKey)
	// Config buffers the relayed outputs (OutputMemoryLimit, SpillDir,
	// BlockOnFullBuffer); nil: the defaults.
	Config   *pssh.Config
	Prefix   string // the cluster's prefix; default "pssh"
	Replicas int    // copies of the streams, if Submit makes them; default 1

	ItemHosts int // hosts per work item at most; default 256
	// StartTimeout is how long an item may wait for a worker of its site
	// before its hosts end with a NotStartedError wrapping
	// pssh.ErrNoWorker, counted from its publication or from the last sign
	// of life of a worker running another item of the run in its site,
	// whichever is later: items queued behind busy workers wait for them.
	// Default 60s.
	StartTimeout time.Duration
	// LostAfter is how long a worker running an item may stay silent
	// before its unfinished hosts end with a WorkerLostError (started) or
	// a NotStartedError (not started). Default 10s: ten missed beats.
	LostAfter time.Duration
	// CancelGrace is how long, once the run is cancelled, the workers have
	// to report their interrupted hosts. Default 10s.
	CancelGrace time.Duration
}

// Host is a host of a Job and its site.
type Host struct {
	Name string // as in a host list: [user@]host[:port]
	Site string // default "default"
}

// Job is a run to submit: a command, its hosts, and how to run it.
type Job struct {
	Hosts   []Host
	Command string
	// Options are those of a direct run; HostArgs and Hosts are not
	// supported, ContinueOnErrors is implied.
	Options pssh.RunOptions
	User    string // login user on every host (the worker's Config.User)
	Port    int    // port of every host (the worker's Config.Port)
	Input   []byte // standard input of every host's command
}

// Run is a submitted run. Each of its hosts ends exactly once.
type Run struct {
	ID string

	hosts   []*relayHost
	items   []*runItem
	outputs chan *pssh.HostOutput
	done    chan struct{}
	rolled  chan struct{} // closed once the run's rollout, if any, is over
	err     error         // set before done closes
}

// Len returns how many hosts the run has.
func (r *Run) Len() int { return len(r.hosts) }

// Hosts returns the run's hosts, in the order of the Job.
func (r *Run) Hosts() []string {
	out := make([]string, len(r.hosts))
	for i, h := range r.hosts {
		out[i] = h.name
	}
	return out
}

// Outputs yields each host's output once, as the host starts or fails:
// read it as an output of pssh.Client.Run. The iteration ends when every
// host has been yielded.
func (r *Run) Outputs() iter.Seq[*pssh.HostOutput] {
	return func(yield func(*pssh.HostOutput) bool) {
		for range r.hosts {
			if !yield(<-r.outputs) {
				return
			}
		}
	}
}

// Wait waits until every host has ended, and returns the run's own
// failure (the bus lost), if any: the hosts' errors are on their outputs.
func (r *Run) Wait(ctx context.Context) error {
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	// A rollout's last report (pssh.Rollout.OnBatch) comes after its
	// last hosts ended.
	select {
	case <-r.rolled:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// relayHost is a host of a run on the submitter's side.
type relayHost struct {
	name    string
	item    int
	relay   *pssh.Relay
	yielded bool
	started bool
}

// runItem is a work item on the submitter's side.
type runItem struct {
	hosts     []int
	published time.Time
	claimed   bool   // a worker claimed it (accept seen, or its claim found)
	worker    string // who
	lastSeen  time.Time
	over      bool              // done, refused, abandoned or lost
	attempt   int               // 0, or how many times it was handed again
	site      string            // its site ("": an older manifest's, unknown)
	batch     int               // a rollout's batch, from 1 (0: no rollout)
	held      bool              // a rollout's, not handed out yet (see roll)
	env       []byte            // the signed item, to hand again (nil: attached)
	subject   string            // where it is published
	next      uint64            // the sequence number of the next event to apply
	early     map[uint64]*event // events that came before their turn
}

// Submit signs job, publishes its work items and returns the run, whose
// outputs fill as the workers report. When ctx ends, the run is cancelled:
// items not yet claimed are withdrawn, and the workers interrupt the hosts
// they run (as a direct run's context does).
func (s *Submitter) Submit(ctx context.Context, job *Job) (*Run, error) {
	if len(job.Hosts) == 0 {
		return nil, errors.New("cluster: a job without hosts")
	}
	if job.Options.HostArgs != nil || job.Options.Hosts != nil {
		return nil, errors.New("cluster: RunOptions.HostArgs and Hosts are not supported")
	}
	if s.Key == nil || s.Conn == nil {
		return nil, errors.New("cluster: Submitter.Conn and Key are required")
	}
	b, err := s.bus(ctx)
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	runID := hex.EncodeToString(id[:])
	names := make([]string, len(job.Hosts))
	for i, h := range job.Hosts {
		if err := CheckSite(cmp.Or(h.Site, DefaultSite)); err != nil {
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
		names[i] = h.Name
	}
	// A rollout's batches, each handed out when the rollout starts it;
	// else one batch of every host, handed out now.
	rollout := job.Options.Rollout
	batches := [][]int{make([]int, len(names))}
	for i := range names {
		batches[0][i] = i
	}
	if rollout != nil {
		if batches, err = rollout.Batches(len(names)); err != nil {
			return nil, err
		}
	}
	created := time.Now().UTC()
	items, parts := s.split(job, runID, created, batches, rollout != nil)
	r := s.newRun(runID, parts)
	for n, it := range items {
		r.items[n].subject = b.work(it.Site, runID)
	}

	// Listen before publishing: the events stream keeps everything, and
	// the feed delivers it in order from the start.
	msgs, err := followEvents(ctx, b, r.ID, 1)
	if err != nil {
		return nil, fmt.Errorf("events of run %s: %w", r.ID, err)
	}
	// The manifest first: what Attach rebuilds the run from.
	for _, m := range parts {
		data, err := json.Marshal(m)
		if err == nil {
			_, err = b.js.Publish(ctx, b.events(r.ID), data)
		}
		if err != nil {
			msgs.Stop()
			return nil, fmt.Errorf("publishing run %s: %w", r.ID, err)
		}
	}
	t := &tracker{s: s, b: b, run: r, items: r.items, msgs: msgs, stopped: make(chan struct{})}
	if rollout != nil {
		t.do = make(chan func())
		go t.loop(ctx)
		go s.roll(ctx, t, rollout, items)
		return r, nil
	}
	for n := range items {
		if err := s.publish(ctx, b, r.items[n], &items[n]); err != nil {
			msgs.Stop()
			s.withdraw(b, r.ID, r.items)
			return nil, fmt.Errorf("publishing run %s: %w", r.ID, err)
		}
	}
	close(r.rolled)
	go t.loop(ctx)
	return r, nil
}

// split makes the work items of a run: for each batch (one, or a
// rollout's), its hosts by site, in host-list order, in items of
// ItemHosts at most; and the manifest describing them.
func (s *Submitter) split(job *Job, runID string, created time.Time, batches [][]int, rollout bool) ([]item, []*manifest) {
	per := cmp.Or(s.ItemHosts, DefaultItemHosts)
	opt := wireOptions(job)
	var items []item
	var parts []*manifest
	for n, batch := range batches {
		bySite := map[string][]int{}
		var sites []string
		for _, i := range batch {
			site := cmp.Or(job.Hosts[i].Site, DefaultSite)
			if bySite[site] == nil {
				sites = append(sites, site)
			}
			bySite[site] = append(bySite[site], i)
		}
		for _, site := range sites {
			idx := bySite[site]
			for start := 0; start < len(idx); start += per {
				it := item{Run: runID, Item: len(items), Site: site, Created: created, Command: job.Command, Options: opt, Input: job.Input}
				for _, i := range idx[start:min(start+per, len(idx))] {
					it.Hosts = append(it.Hosts, itemHost{Index: i, Host: job.Hosts[i].Name})
				}
				m := &manifest{Type: evRun, Item: -1, Part: it.Item, Site: site, Total: len(job.Hosts), Hosts: it.Hosts, Created: created}
				if rollout {
					m.Batch = n + 1
				}
				items = append(items, it)
				parts = append(parts, m)
			}
		}
	}
	for _, m := range parts {
		m.Parts = len(parts)
	}
	return items, parts
}

// publish signs item it and hands it to the workers of its site, as ri.
func (s *Submitter) publish(ctx context.Context, b *bus, ri *runItem, it *item) error {
	data, err := json.Marshal(it)
	if err != nil {
		return err
	}
	env, err := seal(s.Key, data)
	if err != nil {
		return fmt.Errorf("signing the run: %w", err)
	}
	envData, err := json.Marshal(env)
	if err != nil {
		return err
	}
	if _, err := b.js.Publish(ctx, ri.subject, envData); err != nil {
		return err
	}
	ri.published, ri.env, ri.held = time.Now(), envData, false
	return nil
}

// bus opens the cluster's JetStream objects for s.
func (s *Submitter) bus(ctx context.Context) (*bus, error) {
	js, err := jetstream.New(s.Conn)
	if err != nil {
		return nil, err
	}
	return openBus(ctx, js, s.Prefix, s.Replicas)
}

// newRun makes the submitter's side of run id from its manifest, whole
// and checked: parts[n] describes item n.
func (s *Submitter) newRun(id string, parts []*manifest) *Run {
	total := parts[0].Total
	r := &Run{ID: id, outputs: make(chan *pssh.HostOutput, total), done: make(chan struct{}), rolled: make(chan struct{}), hosts: make([]*relayHost, total)}
	for n, m := range parts {
		it := &runItem{next: 1, published: m.Created, site: m.Site, batch: m.Batch, held: m.Batch > 0}
		for _, h := range m.Hosts {
			r.hosts[h.Index] = &relayHost{name: h.Host, item: n, relay: pssh.NewRelay(h.Host, h.Index, s.Config)}
			it.hosts = append(it.hosts, h.Index)
		}
		r.items = append(r.items, it)
	}
	// Labelled as a direct run labels its hosts.
	for i, l := range pssh.Labels(r.Hosts(), nil) {
		r.hosts[i].relay.Output().Label = l
	}
	return r
}

// wireOptions are the options a job's items carry.
func wireOptions(job *Job) options {
	o := job.Options
	return options{
		User: job.User, Port: job.Port,
		Sudo: o.Sudo, SudoUser: o.User, Shell: o.Shell,
		PTY: o.UsePTY, Term: o.Term, Width: o.Width, Height: o.Height,
		Env: o.Env, IgnoreRefusedEnv: o.IgnoreRefusedEnv,
		HostTimeout: o.HostTimeout, ReadTimeout: o.ReadTimeout,
	}
}

// withdraw removes a run's unclaimed items from the work stream.
func (s *Submitter) withdraw(b *bus, run string, _ []*runItem) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.workS.Purge(ctx, jetstream.WithPurgeSubject(b.runWork(run)))
}
