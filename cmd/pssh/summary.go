package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gopssh/pssh/hostlist"
)

// byIndex returns the results in host-list order.
func (r *reporter) byIndex() []*result {
	r.mu.Lock()
	res := slices.Clone(r.results)
	r.mu.Unlock()
	slices.SortFunc(res, func(a, b *result) int { return a.out.Index - b.out.Index })
	return res
}

// gathered prints each distinct output once under the folded list of the
// hosts that gave it (-b, like clush -b and dshbak -c): stdout on stdout,
// stderr on stderr, then the hosts that failed, grouped by why.
func (r *reporter) gathered() {
	res := r.byIndex()
	for _, stream := range r.streams() {
		type group struct {
			hosts  []string
			output *capture // the first host's; the others' are dropped
		}
		var groups []*group
		byOutput := map[string]*group{}
		for _, x := range res {
			o := stream.get(x)
			if o.empty() {
				continue
			}
			g := byOutput[o.key()]
			if g == nil {
				g = &group{output: o}
				byOutput[o.key()] = g
				groups = append(groups, g)
			} else if o != g.output {
				o.discard()
			}
			g.hosts = append(g.hosts, x.name)
		}
		for _, g := range groups {
			header := fmt.Sprintf("%s (%d)", shown(hostlist.Fold(g.hosts)), len(g.hosts))
			r.p.writeWith(stream.out, func(w io.Writer) error {
				if _, err := io.WriteString(w, banner(header)); err != nil {
					return err
				}
				return g.output.writeLines(w, r.p.escapes(w))
			})
			g.output.discard()
		}
	}
	for _, f := range failures(res) {
		r.p.errf("pssh: %s: %s\n", shown(hostlist.Fold(f.hosts)), f.text)
	}
}

// outputStream is one of the streams the views show: how to get a host's
// capture of it, and where it goes.
type outputStream struct {
	get func(*result) *capture
	out io.Writer
}

// streams are stdout then stderr, each shown on pssh's own.
func (r *reporter) streams() []outputStream {
	return []outputStream{
		{func(x *result) *capture { return x.stdout }, r.p.stdout},
		{func(x *result) *capture { return x.stderr }, r.p.stderr},
	}
}

// banner is a group's header between rules, as -b prints it.
func banner(header string) string {
	rule := strings.Repeat("-", min(max(len(header), 15), 79))
	return rule + "\n" + header + "\n" + rule + "\n"
}

type failure struct {
	text  string
	hosts []string
}

// failures groups the hosts that did not succeed by their status text.
func failures(res []*result) []failure {
	var out []failure
	idx := map[string]int{}
	for _, x := range res {
		if x.outcome == succeeded {
			continue
		}
		i, ok := idx[x.text]
		if !ok {
			i = len(out)
			idx[x.text] = i
			out = append(out, failure{text: x.text})
		}
		out[i].hosts = append(out[i].hosts, x.name)
	}
	return out
}

// summary closes a run on a terminal: counts, and the failed hosts folded
// into ranges.
func (r *reporter) summary() {
	res := r.byIndex()
	var ok, failed, timedOut, lost []string
	for _, x := range res {
		if len(x.lost) > 0 {
			lost = append(lost, x.name)
		}
		switch {
		case x.outcome == succeeded:
			ok = append(ok, x.name)
		case x.kind == "timeout" || x.outcome == killed:
			timedOut = append(timedOut, x.name)
		default:
			failed = append(failed, x.name)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "pssh: %d hosts in %v: %s, %s, %s\n", r.total, time.Since(r.begin).Round(10*time.Millisecond),
		r.p.paintIf(len(ok) > 0, green, fmt.Sprintf("%d succeeded", len(ok))),
		r.p.paintIf(len(failed) > 0, red, fmt.Sprintf("%d failed", len(failed))),
		r.p.paintIf(len(timedOut) > 0, red, fmt.Sprintf("%d timed out or killed", len(timedOut))))
	if len(failed) > 0 {
		fmt.Fprintf(&b, "pssh: failed: %s\n", shown(hostlist.Fold(failed)))
	}
	if len(timedOut) > 0 {
		fmt.Fprintf(&b, "pssh: timed out or killed: %s\n", shown(hostlist.Fold(timedOut)))
	}
	if len(lost) > 0 {
		fmt.Fprintf(&b, "pssh: output not kept whole: %s\n", hostlist.Fold(lost))
	}
	r.p.write(r.p.stderr, b.Bytes())
}

// paintIf colours s on a terminal stderr when cond holds.
func (p *printer) paintIf(cond bool, colour, s string) string {
	if !cond || !p.progress {
		return s
	}
	return colour + s + reset
}
