package pssh

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gopssh/pssh/internal/workpool"
)

// Rollout runs a command on the hosts in successive batches, as
// RunOptions.Rollout: each batch starts once every host of the previous
// one has finished, and the rollout stops starting hosts when a canary
// fails or too many hosts failed. A host fails when its Failure is not
// NoFailure: it could not connect or start, or its command exited non-zero
// or was killed. The zero value runs every host in one batch, each host
// starting as soon as it can.
//
// Batch sizes and limits given as percentages are of the hosts of the run,
// rounded up, and at least 1.
type Rollout struct {
	// Canary, if > 0, runs the first Canary hosts alone as the first batch;
	// if any of them fails, no other host is started.
	Canary int
	// BatchSize, if > 0, is how many hosts each batch after the canary
	// holds; BatchPercent (1 to 100) gives it as a percentage instead. At
	// most one of them may be set; neither: the hosts after the canary
	// form one batch.
	BatchSize    int
	BatchPercent int
	// MaxFail, if > 0, stops starting hosts once that many have failed:
	// hosts already running finish, the others are not started.
	// MaxFailPercent (1 to 100) gives the limit as a percentage instead.
	// At most one of them may be set.
	MaxFail        int
	MaxFailPercent int
	// Pause waits this long between batches (not after the last); the
	// run's context and Client.Close end the wait.
	Pause time.Duration
	// Running, if > 0, bounds the commands running at once within a
	// batch: each further host of the batch starts as another finishes
	// (the classic pssh -p), so that MaxFail can stop in the middle of a
	// batch. Zero: a batch's hosts start together, Config.PoolSize
	// connecting at a time.
	Running int

	// OnBatch, if set, is called as each batch starts and as it ends, in
	// order, from the goroutine that schedules the rollout: the first call
	// may come before Run returns; a batch's end is reported after its
	// hosts finished but before Client.Join of any of them returns (the
	// last report has Number == Of, or Stop set). It must not block for
	// long: the next batch, and Join, wait for it.
	OnBatch func(Batch)
}

// Batch is one batch of a rollout, as Rollout.OnBatch reports it.
type Batch struct {
	Number  int           // from 1, the canary batch included
	Of      int           // how many batches the rollout has
	Canary  bool          // the canary batch
	Outputs []*HostOutput // the batch's hosts, in host-list order
	// Ended is false as the batch starts (none of its hosts started yet)
	// and true once every host of it that started has finished.
	Ended bool
	// Failed, with Ended, counts the hosts of the run that failed so far.
	Failed int
	// Stop, with Ended, is set when the rollout stops here: the hosts not
	// yet started, in this batch and the next ones, never will be.
	Stop *RolloutStopError
}

// check refuses settings out of range.
func (r *Rollout) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("pssh: Rollout: %s: %w", fmt.Sprintf(format, args...), ErrInvalidRollout)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Canary", r.Canary}, {"BatchSize", r.BatchSize}, {"MaxFail", r.MaxFail}, {"Running", r.Running}} {
		if f.v < 0 {
			return bad("%s = %d is negative", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"BatchPercent", r.BatchPercent}, {"MaxFailPercent", r.MaxFailPercent}} {
		if f.v < 0 || f.v > 100 {
			return bad("%s = %d is not a percentage from 1 to 100", f.name, f.v)
		}
	}
	switch {
	case r.BatchSize > 0 && r.BatchPercent > 0:
		return bad("give BatchSize or BatchPercent, not both")
	case r.MaxFail > 0 && r.MaxFailPercent > 0:
		return bad("give MaxFail or MaxFailPercent, not both")
	case r.Pause < 0:
		return bad("Pause = %v is negative", r.Pause)
	}
	return nil
}

// percentOf is pct% of n, rounded up, at least 1.
func percentOf(pct, n int) int {
	return max((pct*n+99)/100, 1)
}

// plan splits n hosts, by position, into the rollout's batches.
func (r *Rollout) plan(n int) [][]int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	var batches [][]int
	if c := min(r.Canary, n); c > 0 {
		batches = append(batches, all[:c])
		all = all[c:]
	}
	size := r.BatchSize
	if r.BatchPercent > 0 {
		size = percentOf(r.BatchPercent, n)
	}
	if size <= 0 {
		size = max(len(all), 1)
	}
	for len(all) > 0 {
		k := min(size, len(all))
		batches = append(batches, all[:k])
		all = all[k:]
	}
	return batches
}

// failLimit is how many failed hosts stop a rollout of n hosts; 0: none.
func (r *Rollout) failLimit(n int) int {
	if r.MaxFailPercent > 0 {
		return percentOf(r.MaxFailPercent, n)
	}
	return r.MaxFail
}

// failures counts the failed hosts of a rollout as the scheduler sees
// them finish.
type failures struct {
	mu     sync.Mutex
	failed map[int]string // host-list index: host
}

// record counts o if it has finished and failed. A host the rollout did
// not start is no failure of its own.
func (f *failures) record(o *HostOutput) {
	select {
	case <-o.done:
	default:
		return
	}
	if k := o.Failure(); k != NoFailure && k != FailureNotStarted {
		f.mu.Lock()
		f.failed[o.Index] = o.Host
		f.mu.Unlock()
	}
}

func (f *failures) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.failed)
}

// hosts returns the failed hosts in host-list order.
func (f *failures) hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, i := range slices.Sorted(maps.Keys(f.failed)) {
		out = append(out, f.failed[i])
	}
	return out
}

// startRollout prepares the outputs for hosts that start later (see
// lateStdin) and schedules the batches in the background.
func (c *Client) startRollout(ctx context.Context, hosts []*host, outputs []*HostOutput, opt *RunOptions) {
	batches := opt.Rollout.plan(len(hosts))
	reported := make([]chan struct{}, len(batches))
	for n, batch := range batches {
		reported[n] = make(chan struct{})
		for _, i := range batch {
			outputs[i].scheduled = reported[n]
		}
	}
	for _, o := range outputs {
		o.Stdin = &lateStdin{host: o.Host, ready: make(chan struct{})}
	}
	c.mu.Lock()
	c.last = outputs
	c.mu.Unlock()
	go func() {
		// A batch's report is out once its end was reported; a batch
		// never reached once the rollout stopped (its hosts then
		// finished as not started).
		ended := 0
		defer func() {
			for _, ch := range reported[ended:] {
				close(ch)
			}
		}()
		c.rollout(ctx, hosts, outputs, opt, batches, func(n int) {
			close(reported[n])
			ended = n + 1
		})
	}()
}

// rollout runs the batches of opt.Rollout one after another on the pool,
// each host started as c.start starts any, and stops as the rollout says.
func (c *Client) rollout(ctx context.Context, hosts []*host, outputs []*HostOutput, opt *RunOptions, batches [][]int, reported func(n int)) {
	r := opt.Rollout
	workers := c.cfg.PoolSize
	if r.Running > 0 {
		workers = r.Running
	}
	d := &rolloutDriver{
		r: r, outputs: outputs, batches: batches, reported: reported,
		ended: func() bool { return ctx.Err() != nil || c.closing.Err() != nil },
		pause: func(d time.Duration) { c.pause(ctx, d) },
		start: func(_ int, batch []int, stop func() bool, record func(i int)) int {
			return workpool.EachUntil(len(batch), workers, stop, func(k int) {
				i := batch[k]
				c.start(ctx, hosts[i], outputs[i], opt, false)
				if r.Running > 0 {
					<-outputs[i].done
				}
				record(i) // if it failed to start, or ran
			})
		},
		// Every host left fails as c.start fails a host whose context
		// ended: not started, for that reason.
		gone: func(i int) { c.start(ctx, hosts[i], outputs[i], opt, false) },
		skip: func(i int, err error) { outputs[i].notStarted(err) },
	}
	d.run()
}

// rolloutDriver decides a rollout: it starts its batches in turn, counts
// the failed hosts, and stops where the canary or the failure limit says.
// How a host starts is the caller's: Client.rollout starts hosts on the
// client's pool, DriveRollout hands them to someone else (the workers of
// package cluster); either way, one implementation decides.
type rolloutDriver struct {
	r        *Rollout
	outputs  []*HostOutput
	batches  [][]int
	reported func(n int) // batch n's end was reported and the rollout goes on; may be nil
	ended    func() bool // the run ended (its context, its client): start nothing more
	pause    func(time.Duration)
	// start starts the hosts of batch number n, in order, as long as stop
	// says false, calling record(i) for any host it knows has ended; it
	// returns how many of batch it started (or failed to start).
	start func(n int, batch []int, stop func() bool, record func(i int)) int
	gone  func(i int)            // ends host i, never started, once the run ended
	skip  func(i int, err error) // ends host i, never started as the rollout stopped
}

// run runs the rollout to its end: every host ended or skipped.
func (d *rolloutDriver) run() {
	r, outputs, batches := d.r, d.outputs, d.batches
	fails := &failures{failed: map[int]string{}}
	limit := r.failLimit(len(outputs))
	limitReached := func() bool { return limit > 0 && fails.count() >= limit }
	record := func(i int) { fails.record(outputs[i]) }
	notify := func(b Batch) {
		if r.OnBatch != nil {
			r.OnBatch(b)
		}
	}
	for n, batch := range batches {
		if n > 0 && r.Pause > 0 {
			d.pause(r.Pause)
		}
		if d.ended() {
			for _, later := range batches[n:] {
				for _, i := range later {
					d.gone(i)
				}
			}
			return
		}
		b := Batch{Number: n + 1, Of: len(batches), Canary: n == 0 && r.Canary > 0}
		for _, i := range batch {
			b.Outputs = append(b.Outputs, outputs[i])
		}
		notify(b)
		handed := d.start(n, batch, limitReached, record)
		for _, i := range batch[:handed] {
			<-outputs[i].done
			record(i)
		}
		b.Ended, b.Failed = true, fails.count()
		switch {
		case b.Canary && b.Failed > 0 && n < len(batches)-1:
			b.Stop = &RolloutStopError{Reason: ErrCanaryFailed, Batch: b.Number, Failed: fails.hosts()}
		case limitReached() && (handed < len(batch) || n < len(batches)-1):
			b.Stop = &RolloutStopError{Reason: ErrMaxFailReached, Batch: b.Number, Limit: limit, Failed: fails.hosts()}
		}
		notify(b)
		if b.Stop == nil && d.reported != nil {
			d.reported(n)
		}
		if b.Stop != nil {
			left := batch[handed:]
			for _, later := range batches[n+1:] {
				left = append(left, later...)
			}
			for _, i := range left {
				d.skip(i, &NotStartedError{Host: outputs[i].Host, Err: b.Stop})
			}
			return
		}
	}
}

// Batches returns how a rollout of n hosts splits them, by position in the
// host list, into its batches (the canary batch first), or an error
// wrapping ErrInvalidRollout for settings out of range: what
// DriveRollout will start, batch by batch.
func (r *Rollout) Batches(n int) ([][]int, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return r.plan(n), nil
}

// DriveRollout runs rollout r over hosts that something else starts (the
// workers of package cluster): the same batches, canary, failure limit,
// pauses and OnBatch reports as a rollout of Client.Run, decided by the
// same code. outputs are the run's hosts in host-list order, each ending
// once (Relay outputs). start(n, batch) starts every host of batch number
// n (from 0), given as positions in outputs, and returns; skip(i, err)
// ends host i, which will never start, with err: a *NotStartedError
// wrapping the *RolloutStopError, or ctx's error once ctx ended (no batch
// starts then). DriveRollout returns once the rollout is over: every host
// it started has ended, and the others were skipped.
//
// r.Running is not used: whoever runs the hosts bounds how many run at
// once, and a batch is handed out whole, so MaxFail stops the rollout as a
// batch ends. Settings out of range return an error wrapping
// ErrInvalidRollout before anything starts.
func DriveRollout(ctx context.Context, r *Rollout, outputs []*HostOutput, start func(n int, batch []int), skip func(i int, err error)) error {
	if err := checkOutputs("DriveRollout", "outputs", outputs); err != nil {
		return err
	}
	batches, err := r.Batches(len(outputs))
	if err != nil {
		return err
	}
	d := &rolloutDriver{
		r: r, outputs: outputs, batches: batches,
		ended: func() bool { return ctx.Err() != nil },
		pause: func(d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		},
		start: func(n int, batch []int, _ func() bool, _ func(int)) int {
			start(n, batch)
			return len(batch)
		},
		gone: func(i int) { skip(i, &NotStartedError{Host: outputs[i].Host, Err: ctx.Err()}) },
		skip: skip,
	}
	d.run()
	return nil
}

// pause waits d, or until ctx ends or the client closes.
func (c *Client) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-c.closing.Done():
	}
}

// notStarted finishes a host that was never started.
func (o *HostOutput) notStarted(err error) {
	o.mu.Lock()
	o.start = time.Now()
	o.mu.Unlock()
	o.startFailed(err)
}

// lateStdin is the Stdin of a host of a rollout, which may start after
// Run returned: writes wait until the host's command has started, and a
// Close before then closes its input as soon as it starts.
type lateStdin struct {
	host  string
	ready chan struct{} // closed once w is set
	once  sync.Once

	mu         sync.Mutex
	w          io.WriteCloser // the command's stdin; nil if it never started
	closed     bool           // Close was called
	readyShown bool           // ready is closed
}

// attach connects the started command's stdin, or with nil, says that the
// host never started.
func (s *lateStdin) attach(w io.WriteCloser) {
	s.once.Do(func() {
		s.mu.Lock()
		s.w, s.readyShown = w, true
		closeNow := s.closed && w != nil
		s.mu.Unlock()
		close(s.ready)
		if closeNow {
			w.Close()
		}
	})
}

// Write waits until the host started, then writes to its command's stdin.
func (s *lateStdin) Write(p []byte) (int, error) {
	<-s.ready
	if s.w == nil {
		return 0, &RequestError{Host: s.host, Request: "write stdin", Err: ErrNotRunning}
	}
	return s.w.Write(p)
}

// Close closes the command's stdin, at once if it started, else as soon as
// it starts.
func (s *lateStdin) Close() error {
	s.mu.Lock()
	s.closed = true
	ready, w := s.readyShown, s.w
	s.mu.Unlock()
	if ready && w != nil {
		return w.Close()
	}
	return nil
}
