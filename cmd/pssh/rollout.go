package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/hostlist"
)

// rolloutOptions are the flags of a rolling run: --batch, --canary,
// --max-fail and --pause, run by the library's pssh.Rollout.
type rolloutOptions struct {
	batch   countOrPercent // --batch N|N%
	canary  int            // --canary N
	maxFail countOrPercent // --max-fail N|N%
	pause   time.Duration  // --pause S
}

// addRolloutFlags defines the flags of a rolling run.
func addRolloutFlags(fs *pflag.FlagSet, o *rolloutOptions) {
	g := flagGroup{fs, runningGroup}
	g.value(&countOrPercentValue{&o.batch, "--batch"}, "batch", "", "N|N%", "roll out in batches of N hosts (or N% of them): each batch starts when the previous one ended")
	g.int(&o.canary, "canary", "", "N", 0, 1, "run the first N hosts alone first; if any fails, start no other")
	g.value(&countOrPercentValue{&o.maxFail, "--max-fail"}, "max-fail", "", "N|N%", "start no more hosts once N (or N% of them) have failed; the rest are not started (exit status 6)")
	g.seconds(&o.pause, "pause", "", 0, "wait S seconds between batches")
}

// rolling tells whether a rollout flag was given.
func (o *rolloutOptions) rolling() bool {
	return o.batch.n > 0 || o.canary > 0 || o.maxFail.n > 0 || o.pause > 0
}

// rollout is the library's schedule for a run: at most par commands
// running at once (the classic -p), in the batches the flags ask for,
// reported to t.
func (o *rolloutOptions) rollout(par int, t *rolloutTracker) *pssh.Rollout {
	r := &pssh.Rollout{Running: par, Canary: o.canary, Pause: o.pause}
	if o.batch.percent {
		r.BatchPercent = o.batch.n
	} else {
		r.BatchSize = o.batch.n
	}
	if o.maxFail.percent {
		r.MaxFailPercent = o.maxFail.n
	} else {
		r.MaxFail = o.maxFail.n
	}
	if t != nil {
		r.OnBatch = t.onBatch
	}
	return r
}

// countOrPercent is N or N% of the hosts; zero n: not given.
type countOrPercent struct {
	n       int
	percent bool
}

// countOrPercentValue is a flag of N (at least 1) or N% (1 to 100).
type countOrPercentValue struct {
	dst  *countOrPercent
	name string
}

func (v *countOrPercentValue) Set(s string) error {
	num, percent := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(num)
	switch {
	case err != nil || n < 1:
		return usagef("%s: %q is not a number of hosts (N, at least 1) or a percentage (N%%)", v.name, s)
	case percent && n > 100:
		return usagef("%s: %q is more than 100%%", v.name, s)
	}
	*v.dst = countOrPercent{n, percent}
	return nil
}

func (v *countOrPercentValue) String() string {
	switch {
	case v.dst.n == 0:
		return ""
	case v.dst.percent:
		return strconv.Itoa(v.dst.n) + "%"
	}
	return strconv.Itoa(v.dst.n)
}

func (v *countOrPercentValue) Type() string { return "count" }

// rolloutTracker follows a rolling run's batches for the operator: a line
// on stderr as each batch starts, and the rollout's line in the summary.
type rolloutTracker struct {
	p *printer

	mu    sync.Mutex
	of    int                    // batches planned
	done  int                    // batches ended
	stop  *pssh.RolloutStopError // why it stopped, if it did
	quiet bool                   // --json: no batch lines
}

func (t *rolloutTracker) onBatch(b pssh.Batch) {
	t.mu.Lock()
	t.of = b.Of
	if b.Ended {
		t.done = b.Number
		t.stop = b.Stop
	}
	t.mu.Unlock()
	if b.Ended || t.quiet {
		return
	}
	hosts := make([]string, len(b.Outputs))
	for i, o := range b.Outputs {
		hosts[i] = displayName(o.Host)
	}
	kind := "batch"
	if b.Canary {
		kind = "canary batch"
	}
	t.p.errf("pssh: %s %d/%d: %s (%d)\n", kind, b.Number, b.Of, shown(hostlist.Fold(hosts)), len(hosts))
}

// summary says how many batches ran, and which hosts were not started and
// why, once every host has finished.
func (t *rolloutTracker) summary(res []*result) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var notStarted []string
	for _, x := range res {
		if pssh.Classify(x.out.Err()) == pssh.FailureNotStarted {
			notStarted = append(notStarted, x.name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pssh: rollout: %d of %d batches done", t.done, t.of)
	if len(notStarted) > 0 {
		why := "interrupted"
		if t.stop != nil {
			why = t.stop.Reason.Error()
			if errors.Is(t.stop.Reason, pssh.ErrMaxFailReached) {
				why += fmt.Sprintf(", %d failed of at most %d", len(t.stop.Failed), t.stop.Limit)
			}
			why += ": " + shown(hostlist.Fold(displayNames(t.stop.Failed)))
		}
		fmt.Fprintf(&b, "; %d hosts not started (%s): %s", len(notStarted), why, shown(hostlist.Fold(notStarted)))
	}
	b.WriteString("\n")
	return b.String()
}

// displayNames is displayName of each host.
func displayNames(hosts []string) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = displayName(h)
	}
	return out
}
