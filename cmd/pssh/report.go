package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// reporter shows hosts as they finish, then what comes at the end: the
// gathered output (-b) and the summary.
type reporter struct {
	o     *options
	p     *printer
	total int
	begin time.Time

	filesMu sync.Mutex
	files   map[string]int // -o/-e file names used

	mu       sync.Mutex
	results  []*result // in order of finishing
	failed   int
	stopTick chan struct{}
	tickDone chan struct{}
}

func newReporter(o *options, p *printer, total int) *reporter {
	return &reporter{o: o, p: p, total: total, begin: time.Now(), files: map[string]int{}}
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
	if res.fileErr != nil {
		r.p.errf("pssh: %s: writing output file: %v\n", res.name, res.fileErr)
	}
	switch {
	case r.o.json:
		r.p.write(r.p.stdout, jsonLine(res))
	case r.o.gather:
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
		fmt.Fprintf(&b, "[%d] %s %s %s\n", n, stamp, r.p.paint(green, "[SUCCESS]"), res.name)
	} else {
		fmt.Fprintf(&b, "[%d] %s %s %s %s\n", n, stamp, r.p.paint(red, "[FAILURE]"), res.name, res.text)
	}
	if r.o.inline || r.o.inlineOut {
		b.Write(withNewline(res.stdout))
		if r.o.inline && len(res.stderr) > 0 {
			b.WriteString("Stderr: ")
			b.Write(withNewline(res.stderr))
		}
	}
	r.p.write(r.p.stdout, b.Bytes())
	if r.o.verbose && res.out.Err() != nil {
		r.p.errf("pssh: %v\n", res.out.Err())
	}
}

func withNewline(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return append(b[:len(b):len(b)], '\n')
	}
	return b
}

// jsonHost is one host's line of --json output.
type jsonHost struct {
	Host       string     `json:"host"`
	Alias      string     `json:"alias,omitempty"`
	Index      int        `json:"index"`
	User       string     `json:"user"`
	Addr       string     `json:"addr"`
	ExitCode   *int       `json:"exit_code"`
	Signal     string     `json:"signal,omitempty"`
	Stdout     string     `json:"stdout"`
	Stderr     string     `json:"stderr"`
	Error      *jsonError `json:"error,omitempty"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	DurationMS int64      `json:"duration_ms"`
}

type jsonError struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

func jsonLine(res *result) []byte {
	o := res.out
	start, end := o.Times()
	j := jsonHost{
		Host: o.Host, Alias: o.Alias, Index: o.Index, User: o.User, Addr: o.Addr,
		Signal: o.ExitSignal(), Stdout: string(res.stdout), Stderr: string(res.stderr),
		Start: start, End: end, DurationMS: end.Sub(start).Milliseconds(),
	}
	if code, ok := o.ExitCode(); ok {
		j.ExitCode = &code
	}
	if err := o.Err(); err != nil {
		j.Error = &jsonError{Kind: res.kind, Text: err.Error()}
	}
	b, err := json.Marshal(j)
	if err != nil { // cannot happen: every field marshals
		b = fmt.Appendf(nil, `{"host":%q,"error":{"kind":"other","text":%q}}`, o.Host, err.Error())
	}
	return append(b, '\n')
}

// finish prints what comes once every host is done.
func (r *reporter) finish() {
	if r.stopTick != nil {
		close(r.stopTick)
		<-r.tickDone
		r.p.endProgress()
	}
	if r.o.gather && !r.o.json {
		r.gathered()
	}
	if r.p.progress {
		r.summary()
	}
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
