package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/escape"
	"github.com/gopssh/pssh/internal/udiff"
)

// maxDiffBytes is the largest output --diff compares line by line; a
// larger variant is reported by its size only.
const maxDiffBytes = 1 << 20

// variant is one distinct output of a stream, as -b groups them, and the
// hosts that gave it, in host-list order.
type variant struct {
	hosts  []*result
	output *capture // the first host's; the others' are dropped
}

// names returns the variant's hosts folded, with their count:
// "web[01-03,07] (4)".
func (v *variant) names() string {
	names := make([]string, len(v.hosts))
	for i, x := range v.hosts {
		names[i] = x.name
	}
	return fmt.Sprintf("%s (%d)", shown(hostlist.Fold(names)), len(names))
}

// ran tells whether a host's command ran to its end, so that its output
// is whole and comparable: those that failed otherwise are listed apart.
func ran(x *result) bool { return x.outcome == succeeded || x.outcome == nonZero }

// variants groups the hosts whose command ran by their output of one
// stream (res in host-list order): the reference, the output most hosts
// gave (the first of them on a tie), comes first, then the others in the
// order of their first host. With drop, the outputs of all but each
// variant's first host are discarded.
func variants(res []*result, stream func(*result) *capture, drop bool) []*variant {
	var out []*variant
	byKey := map[string]*variant{}
	for _, x := range res {
		c := stream(x)
		if !ran(x) || c == nil {
			continue
		}
		v := byKey[c.key()]
		if v == nil {
			v = &variant{output: c}
			byKey[c.key()] = v
			out = append(out, v)
		} else if drop {
			c.discard()
		}
		v.hosts = append(v.hosts, x)
	}
	ref := 0
	for i, v := range out {
		if len(v.hosts) > len(out[ref].hosts) {
			ref = i
		}
	}
	if ref > 0 {
		v := out[ref]
		out = slices.Insert(slices.Delete(out, ref, ref+1), 0, v)
	}
	return out
}

// text reads a variant's output whole, unless it is longer than
// maxDiffBytes or was not kept whole.
func (v *variant) text() (string, bool) {
	c := v.output
	if c.err != nil || c.n > maxDiffBytes {
		c.discard()
		return "", false
	}
	var b strings.Builder
	_, err := io.Copy(&b, c.buf)
	c.discard()
	return b.String(), err == nil
}

// diffed prints each distinct output as a unified diff against the most
// common one (--diff, as clush --diff), under the folded lists of their
// hosts: stdout's on stdout, stderr's on stderr; with -b, the reference
// output first in full, as -b shows it. The hosts that failed follow,
// grouped by why, as -b lists them.
func (r *reporter) diffed() {
	res := r.byIndex()
	for _, stream := range r.streams() {
		vs := variants(res, stream.get, true)
		if len(vs) == 0 || len(vs) == 1 && !r.o.gather {
			for _, v := range vs {
				v.output.discard()
			}
			continue
		}
		ref, refOK := vs[0].text()
		esc := r.p.escapes(stream.out)
		if r.o.gather && ref != "" {
			text := ref
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			r.p.write(stream.out, []byte(banner(vs[0].names())+escaped(text, esc)))
		}
		for _, v := range vs[1:] {
			text, ok := v.text()
			var d string
			if refOK && ok {
				d = udiff.Unified(vs[0].names(), v.names(), ref, text, udiff.DefaultContext)
			} else {
				d = fmt.Sprintf("--- %s\n+++ %s\n(not compared: an output is over %d bytes or was not kept whole)\n",
					vs[0].names(), v.names(), maxDiffBytes)
			}
			r.p.write(stream.out, []byte(escaped(d, esc)))
		}
	}
	for _, f := range failures(res) {
		r.p.errf("pssh: %s: %s\n", shown(hostlist.Fold(f.hosts)), f.text)
	}
}

// escaped is s escaped for a terminal when esc is set (see escape.Stream).
func escaped(s string, esc bool) string {
	if !esc {
		return s
	}
	var e escape.Stream
	return string(e.Flush(e.Append(nil, []byte(s))))
}

// numberVariants sets each host's --json "variant": 1 for the hosts of the
// reference stdout, 2, 3, ... for the others (see variants).
func numberVariants(res []*result) {
	for i, v := range variants(res, func(x *result) *capture { return x.stdout }, false) {
		for _, x := range v.hosts {
			x.variant = i + 1
		}
	}
}

// addDiffFlag defines --diff.
func addDiffFlag(g flagGroup, diff *bool) {
	g.switchFlag(diff, "diff", "", "show each distinct output as a unified diff against the most common one, hosts folded (with -b: the common one in full first; with --json: a \"variant\" field)")
}

// diffJSON writes the --json lines, held back until every host finished,
// in host-list order, each with its stdout's variant number.
func (r *reporter) diffJSON() {
	res := r.byIndex()
	numberVariants(res)
	for _, x := range res {
		r.p.writeWith(r.p.stdout, func(w io.Writer) error { return writeJSONLine(w, x) })
	}
}
