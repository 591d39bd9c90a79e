package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gopssh/pssh/internal/escape"
)

// reporter shows hosts as they finish, then what comes at the end: the
// gathered output (-b) and the summary.
type reporter struct {
	o     *runOptions
	p     *printer
	total int
	begin time.Time

	fileNames []string // -o/-e file name of each host, by index (outputNames)

	mu       sync.Mutex
	results  []*result           // in order of finishing
	distinct map[string]*capture // -b: the one capture kept of each output (see keepDistinct)
	failed   int
	stopTick chan struct{}
	tickDone chan struct{}
}

func newReporter(o *runOptions, p *printer, total int) *reporter {
	return &reporter{o: o, p: p, total: total, begin: time.Now()}
}

// startProgress keeps the progress line's elapsed time current.
func (r *reporter) startProgress() {
	if !r.p.progress {
		return
	}
	r.stopTick, r.tickDone = make(chan struct{}), make(chan struct{})
	r.updateProgress()
	go func() {
		defer close(r.tickDone)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.updateProgress()
			case <-r.stopTick:
				return
			}
		}
	}()
}

func (r *reporter) updateProgress() {
	r.mu.Lock()
	done, failed := len(r.results), r.failed
	r.mu.Unlock()
	r.p.setProgress(progressText(done, failed, r.total, time.Since(r.begin)))
}

// finished shows one host that finished.
func (r *reporter) finished(res *result) {
	r.mu.Lock()
	r.results = append(r.results, res)
	if res.outcome != succeeded {
		r.failed++
	}
	n := len(r.results)
	r.mu.Unlock()
	switch {
	case r.o.json && r.o.diff: // once every host is numbered (finish)
	case r.o.json:
		r.p.writeWith(r.p.stdout, func(w io.Writer) error { return writeJSONLine(w, res) })
	case r.o.gather && !r.o.diff && !r.o.byHost: // printed by gathered (finish)
		r.keepDistinct(res)
	case r.o.gather, r.o.diff, r.o.byHost:
	default:
		r.statusLine(n, res)
	}
	if r.p.progress {
		r.updateProgress()
	}
}

// statusLine prints the classic "[N] 12:01:02 [SUCCESS] host" line, and
// with -i the host's output under it.
func (r *reporter) statusLine(n int, res *result) {
	_, end := res.out.Times()
	var b bytes.Buffer
	stamp := end.Format("15:04:05")
	if res.outcome == succeeded {
		fmt.Fprintf(&b, "[%d] %s %s %s\n", n, stamp, r.p.paint(green, "[SUCCESS]"), shown(res.name))
	} else {
		fmt.Fprintf(&b, "[%d] %s %s %s %s\n", n, stamp, r.p.paint(red, "[FAILURE]"), shown(res.name), res.text)
	}
	r.p.writeWith(r.p.stdout, func(w io.Writer) error {
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
		if !r.o.inline && !r.o.inlineOut {
			return nil
		}
		esc := r.p.escapes(w)
		if err := res.stdout.writeLines(w, esc); err != nil {
			return err
		}
		if r.o.inline && !res.stderr.empty() {
			if _, err := io.WriteString(w, "Stderr: "); err != nil {
				return err
			}
			return res.stderr.writeLines(w, esc)
		}
		return nil
	})
	res.stdout.discard()
	res.stderr.discard()
	if r.o.verbose {
		for _, e := range res.lost {
			r.p.errf("pssh: %s\n", shown(e.Error()))
		}
		if res.out.Err() != nil {
			r.p.errf("pssh: %s\n", shown(fullError(res.out.Err())))
		}
	}
}

// jsonHost is one host's line of --json output. writeJSONLine leaves
// Stdout and Stderr empty, so omitted, and streams them after the other
// fields instead.
type jsonHost struct {
	Host       string     `json:"host"`
	Label      string     `json:"label"`
	Alias      string     `json:"alias,omitempty"`
	Index      int        `json:"index"`
	User       string     `json:"user"`
	Addr       string     `json:"addr"`
	ExitCode   *int       `json:"exit_code"`
	Signal     string     `json:"signal,omitempty"`
	Error      *jsonError `json:"error,omitempty"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	DurationMS int64      `json:"duration_ms"`
	Variant    int        `json:"variant,omitempty"`
	Stdout     string     `json:"stdout,omitempty"`
	Stderr     string     `json:"stderr,omitempty"`
}

type jsonError struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// writeJSONLine writes one host's --json line: its fields, then "stdout"
// and "stderr" as JSON strings streamed from the captures, so that a big
// output is never held whole.
func writeJSONLine(w io.Writer, res *result) error {
	defer res.stdout.discard()
	defer res.stderr.discard()
	o := res.out
	start, end := o.Times()
	j := jsonHost{
		Host: o.Host, Label: o.Label, Alias: o.Alias, Index: o.Index, User: o.User, Addr: o.Addr,
		Signal: o.ExitSignal(), Start: start, End: end, DurationMS: end.Sub(start).Milliseconds(),
		Variant: res.variant,
	}
	if code, ok := o.ExitCode(); ok {
		j.ExitCode = &code
	}
	if err := o.Err(); err != nil {
		j.Error = &jsonError{Kind: res.kind, Text: fullError(err)} // as -v says it: flags, not Config fields
	}
	if len(res.lost) > 0 {
		j.Error = &jsonError{Kind: res.kind, Text: res.out.Host + ": " + res.text}
	}
	b, err := json.Marshal(j)
	if err != nil { // cannot happen: every field marshals
		b = fmt.Appendf(nil, `{"host":%q,"error":{"kind":"other","text":%q}}`, o.Host, err.Error())
	}
	b = escape.JSON(b) // C1 and bidirectional controls too, not only C0
	b = append(b[:len(b)-1], `,"stdout":`...)
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := res.stdout.writeJSON(w); err != nil {
		return err
	}
	if _, err := io.WriteString(w, `,"stderr":`); err != nil {
		return err
	}
	if err := res.stderr.writeJSON(w); err != nil {
		return err
	}
	_, err = io.WriteString(w, "}\n")
	return err
}

// finish prints what comes once every host is done.
func (r *reporter) finish() {
	if r.stopTick != nil {
		close(r.stopTick)
		<-r.tickDone
		r.p.endProgress()
	}
	switch {
	case r.o.diff && r.o.json:
		r.diffJSON()
	case r.o.diff:
		r.diffed()
	case r.o.json:
	case r.o.byHost:
		r.byHostLines()
	case r.o.gather:
		r.gathered()
	}
	if r.p.progress {
		r.summary()
	}
	if !r.o.verbose && !r.o.json {
		verboseHint(r.p, r.withErrors())
	}
}

// withErrors counts the hosts that failed with an error (not merely a
// non-zero exit).
func (r *reporter) withErrors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, res := range r.results {
		if res.kind != "" {
			n++
		}
	}
	return n
}

// exitStatus is the process exit status for the hosts that finished.
func (r *reporter) exitStatus() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	outcomes := make([]outcome, len(r.results))
	for i, res := range r.results {
		outcomes[i] = res.outcome
	}
	return exitStatus(outcomes)
}
