package main

import (
	"fmt"
	"strings"
	"time"
)

// workKind says which of a tool's jobs a piece of work uses.
type workKind int

const (
	fanoutWork workKind = iota // a short command on many hosts
	streamWork                 // much output from one host
)

// work is one row group of the results: one command on some hosts.
type work struct {
	kind    workKind
	hosts   int    // fanoutWork: N
	command string // fanoutWork: the remote command
	bytes   int64  // streamWork: output size
	// delayed says the work runs through latency mode's proxies, adding
	// rtt to each round trip.
	delayed bool
	rtt     time.Duration
}

// title names the work in the results.
func (w work) title() string {
	if w.kind == streamWork {
		return fmt.Sprintf("One host streaming %s of stdout (`%s`)", humanBytes(w.bytes), streamCommand(w.bytes))
	}
	var at string
	if w.delayed {
		at = fmt.Sprintf(" at %v RTT", w.rtt)
	}
	if w.hosts == 1 {
		return fmt.Sprintf("`%s` on 1 host%s", w.command, at)
	}
	return fmt.Sprintf("`%s` on %d hosts%s", w.command, w.hosts, at)
}

// humanBytes writes n in decimal units, as "1 GB" or "100 MB".
func humanBytes(n int64) string {
	switch {
	case n >= 1e9 && n%1e9 == 0:
		return fmt.Sprintf("%d GB", n/1e9)
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%d MB", n/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}

// row is one tool's line in a table.
type row struct {
	name  string // the tool's short name, as for -tools
	label string
	ours  bool
	sum   summary
}

// column is one measured quantity of a table.
type column struct {
	header      string
	value       func(w work, s summary) float64
	format      string // for the value
	lowerBetter bool
}

// columns returns the measured columns for a kind of work.
func columns(kind workKind) []column {
	wall := column{"wall s", func(_ work, s summary) float64 { return s.wall.Seconds() }, "%.2f", true}
	rss := column{"peak RSS MB", func(_ work, s summary) float64 { return float64(s.maxRSS) / 1e6 }, "%.1f", true}
	tree := column{"peak total RSS MB", func(_ work, s summary) float64 { return float64(s.treeRSS) / 1e6 }, "%.1f", true}
	if kind == streamWork {
		return []column{
			wall,
			{"MB/s", func(w work, s summary) float64 { return float64(w.bytes) / 1e6 / s.wall.Seconds() }, "%.0f", false},
			{"client CPU s", func(_ work, s summary) float64 { return s.cpu.Seconds() }, "%.2f", true},
			rss,
			tree,
		}
	}
	return []column{
		wall,
		{"client CPU ms/host", func(w work, s summary) float64 {
			return float64(s.cpu) / float64(time.Millisecond) / float64(w.hosts)
		}, "%.2f", true},
		rss,
		tree,
	}
}

// table renders the results of one piece of work as a markdown table:
// one row per tool (medians of the successful runs; a tool none of whose
// runs succeeded shows why), then one row per tool of ours with its ratio
// to the best peer in each column.
func table(w work, rows []row) string {
	cols := columns(w.kind)
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", w.title())
	b.WriteString("| tool | runs ok |")
	for _, c := range cols {
		b.WriteString(" " + c.header + " |")
	}
	b.WriteString("\n|---|---:|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteByte('\n')
	var notes []string
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d/%d |", r.label, r.sum.ok, r.sum.runs)
		for _, c := range cols {
			if r.sum.ok == 0 {
				b.WriteString(" failed |")
				continue
			}
			fmt.Fprintf(&b, " "+c.format+" |", c.value(w, r.sum))
		}
		b.WriteByte('\n')
		if r.sum.firstErr != nil {
			notes = append(notes, fmt.Sprintf("%s: %s", r.label, oneLine(r.sum.firstErr.Error(), 300)))
		}
	}
	for _, r := range rows {
		if !r.ours || r.sum.ok == 0 {
			continue
		}
		fmt.Fprintf(&b, "| **%s ÷ best peer** | |", r.label)
		for _, c := range cols {
			best, name, ok := bestPeer(w, rows, c)
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %.2f× (%s) |", c.value(w, r.sum)/best, name)
		}
		b.WriteByte('\n')
	}
	if len(notes) > 0 {
		b.WriteString("\nFailed runs (first failure of each tool):\n\n")
		for _, n := range notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}

// bestPeer returns the best value of column c among the peers (tools not
// ours) with at least one successful run, and the peer's name.
func bestPeer(w work, rows []row, c column) (float64, string, bool) {
	var best float64
	var name string
	found := false
	for _, r := range rows {
		if r.ours || r.sum.ok == 0 {
			continue
		}
		v := c.value(w, r.sum)
		if !found || (c.lowerBetter && v < best) || (!c.lowerBetter && v > best) {
			best, name, found = v, r.name, true
		}
	}
	if found && best == 0 {
		return 0, "", false
	}
	return best, name, found
}

// oneLine flattens s to one line of at most n bytes, and escapes the
// table separator.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
