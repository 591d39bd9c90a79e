package pssh

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"
)

// JoinOptions change how Join waits. The zero value waits for every host,
// keeping all output for the caller.
type JoinOptions struct {
	// Timeout, if > 0, bounds the wait: Join then returns a
	// *JoinTimeoutError listing the hosts that had not finished. Those hosts
	// keep running and their outputs stay readable.
	Timeout time.Duration
	// ConsumeOutput reads all output while waiting, for callers who want
	// only exit codes: each line goes to the client's host logger, if any,
	// and is then dropped. Do not read the outputs yourself with this set.
	ConsumeOutput bool
}

// Join waits until every output's host has finished (parallel-ssh's join).
// It returns nil then, whatever the hosts' errors and exit codes (see
// HostOutput.Err and ExitCode); a *JoinTimeoutError when opt.Timeout or ctx's
// deadline passed first; or ctx's error when ctx is cancelled.
//
// Waiting never requires reading: unread output is kept. An entry that is
// nil or not from Run makes Join return an error wrapping
// ErrInvalidOutput at once.
func (c *Client) Join(ctx context.Context, outputs []*HostOutput, opt *JoinOptions) error {
	if err := checkOutputs("Join", "outputs", outputs); err != nil {
		return err
	}
	if opt == nil {
		opt = &JoinOptions{}
	}
	var consumers sync.WaitGroup
	if opt.ConsumeOutput {
		for _, o := range outputs {
			c.consume(o, &consumers)
		}
	}
	var expired <-chan time.Time
	if opt.Timeout > 0 {
		t := time.NewTimer(opt.Timeout)
		defer t.Stop()
		expired = t.C
	}
	limit := opt.Timeout
	if d, ok := ctx.Deadline(); ok && (limit == 0 || time.Until(d) < limit) {
		limit = time.Until(d)
	}
	// Every host, then, for hosts of a rollout, their batch's end report
	// (Rollout.OnBatch), which comes after the batch's hosts finished.
	var waits, schedules []<-chan struct{}
	seen := map[<-chan struct{}]bool{} // a batch's report is waited for once
	for _, o := range outputs {
		waits = append(waits, o.done)
		if o.scheduled != nil && !seen[o.scheduled] {
			seen[o.scheduled] = true
			schedules = append(schedules, o.scheduled)
		}
	}
	waits = append(waits, schedules...)
	for _, done := range waits {
		select {
		case <-done:
		case <-expired:
			return joinTimeout(outputs, limit)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return joinTimeout(outputs, limit)
			}
			return ctx.Err()
		}
	}
	consumers.Wait() // every line is logged before Join returns
	return nil
}

// consume reads o's streams to their end: through the host logger when
// there is one, else by dropping the buffers.
func (c *Client) consume(o *HostOutput, wg *sync.WaitGroup) {
	if c.hostLog == nil {
		o.Stdout.discard()
		o.Stderr.discard()
		return
	}
	for _, s := range []*Stream{o.Stdout, o.Stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				for range s.Lines() {
				}
				var te *TimeoutError
				if !errors.As(s.Err(), &te) {
					return // the end, or the connection was lost
				}
			}
		}()
	}
}

// Completed yields outputs as their hosts finish, in the order they
// finish, each with its position in outputs: a caller reacts to the first
// failures (or the first results) without waiting for every host or
// selecting over every Done channel. The sequence ends once every host has
// finished, when the loop stops early, or when ctx ends: check ctx.Err()
// after the loop to tell. It costs no goroutine per host. Entries that are
// nil or not from Run are never yielded (Join reports them).
func Completed(ctx context.Context, outputs []*HostOutput) iter.Seq2[int, *HostOutput] {
	return func(yield func(int, *HostOutput) bool) {
		finished := make(chan int, len(outputs)) // never blocks a host's notification
		valid := 0
		for i, o := range outputs {
			if validOutput(o) {
				o.notifyDone(func() { finished <- i })
				valid++
			}
		}
		for range valid {
			select {
			case i := <-finished:
				if !yield(i, outputs[i]) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// validOutput tells an output made by Run (or OpenShell) from nil or a
// zero HostOutput.
func validOutput(o *HostOutput) bool { return o != nil && o.done != nil }

// checkOutputs returns an error wrapping ErrInvalidOutput for the first
// entry of list that is not a valid output; fn and name say where.
func checkOutputs(fn, name string, list []*HostOutput) error {
	for i, o := range list {
		if o == nil {
			return fmt.Errorf("pssh: %s: %s[%d] is nil: %w", fn, name, i, ErrInvalidOutput)
		}
		if !validOutput(o) {
			return fmt.Errorf("pssh: %s: %s[%d] (host %q) was not made by the client: %w", fn, name, i, o.Host, ErrInvalidOutput)
		}
	}
	return nil
}

func joinTimeout(outputs []*HostOutput, limit time.Duration) error {
	e := &JoinTimeoutError{Limit: limit.Round(time.Millisecond)}
	for _, o := range outputs {
		select {
		case <-o.done:
			e.Finished = append(e.Finished, o.Host)
		default:
			e.Unfinished = append(e.Unfinished, o.Host)
		}
	}
	return e
}
