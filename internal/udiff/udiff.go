// Package udiff computes line differences between two texts (Myers'
// O(ND) algorithm) and writes them as a unified diff, as diff -u does.
package udiff

import (
	"bytes"
	"fmt"
	"strings"
)

// DefaultContext is how many unchanged lines surround each change, as
// diff -u.
const DefaultContext = 3

// maxEdits bounds the work: texts further apart than this many inserted
// and deleted lines are diffed as a deletion of what differs followed by
// an insertion, a correct diff if not the shortest.
const maxEdits = 1000

// Op is what a line of an edit script does.
type Op byte

// The operations of an edit script.
const (
	Equal  Op = ' '
	Delete Op = '-'
	Insert Op = '+'
)

// Edit is one line of an edit script: Line is the line of a (Equal,
// Delete) or of b (Insert), its newline included if it has one.
type Edit struct {
	Op   Op
	Line string
}

// Lines splits text into lines, each keeping its newline; the last lacks
// one if text does not end with one.
func Lines(text string) []string {
	var out []string
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

// Diff returns an edit script turning a into b: every line of a, in order,
// as Equal or Delete, and every line of b as Equal or Insert. It is a
// shortest one unless a and b differ by more than a few thousand lines.
func Diff(a, b []string) []Edit {
	// The common start and end need no search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []Edit
	for _, l := range a[:pre] {
		out = append(out, Edit{Equal, l})
	}
	out = append(out, middle(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, Edit{Equal, l})
	}
	return out
}

// middle is Myers' greedy algorithm on a and b, which share neither their
// first nor their last line.
func middle(a, b []string) []Edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replace(a, b)
	}
	maxD := min(n+m, maxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3) // v[off+k]: furthest x on diagonal k
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		// What depth d reads, diagonals -d to d of depth d-1, for the
		// way back: O(D²) memory in all.
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d)
			}
		}
	}
	return replace(a, b)
}

// backtrack walks the trace back from (len(a), len(b)), found at depth d.
func backtrack(a, b []string, trace [][]int, d int) []Edit {
	x, y := len(a), len(b)
	var rev []Edit
	for ; d > 0; d-- {
		v := trace[d] // diagonal k at v[k+d]
		k := x - y
		var prevK int
		if k == -d || k != d && v[k-1+d] < v[k+1+d] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[prevK+d]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, Edit{Equal, a[x]})
		}
		if x == prevX {
			y--
			rev = append(rev, Edit{Insert, b[y]})
		} else {
			x--
			rev = append(rev, Edit{Delete, a[x]})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, Edit{Equal, a[x]})
	}
	out := make([]Edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

// replace deletes a and inserts b.
func replace(a, b []string) []Edit {
	out := make([]Edit, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, Edit{Delete, l})
	}
	for _, l := range b {
		out = append(out, Edit{Insert, l})
	}
	return out
}

// Unified returns the unified diff from a to b, with context unchanged
// lines around each change (DefaultContext if negative), under the
// headers "--- aName" and "+++ bName"; "" when they are equal. A last line
// without a newline is marked "\ No newline at end of file", as diff does.
func Unified(aName, bName, a, b string, context int) string {
	if a == b {
		return ""
	}
	if context < 0 {
		context = DefaultContext
	}
	edits := Diff(Lines(a), Lines(b))
	var w bytes.Buffer
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", aName, bName)
	for _, h := range hunks(edits, context) {
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", span(h.aStart, h.aLen), span(h.bStart, h.bLen))
		for _, e := range edits[h.from:h.to] {
			w.WriteByte(byte(e.Op))
			w.WriteString(e.Line)
			if !strings.HasSuffix(e.Line, "\n") {
				w.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return w.String()
}

// hunk is a run of edits[from:to] shown together: lines aStart.. of a
// (aLen of them) and bStart.. of b, counted from 1.
type hunk struct {
	from, to     int
	aStart, aLen int
	bStart, bLen int
}

// hunks groups the changes with their context: changes at most twice
// the context apart share a hunk.
func hunks(edits []Edit, context int) []hunk {
	var out []hunk
	aLine, bLine := 0, 0 // lines of a and b before edits[i]
	next := func(e Edit) {
		if e.Op != Insert {
			aLine++
		}
		if e.Op != Delete {
			bLine++
		}
	}
	for i := 0; i < len(edits); {
		if edits[i].Op == Equal {
			next(edits[i])
			i++
			continue
		}
		from := max(i-context, 0)
		// Extend past changes separated by at most 2*context equal lines.
		j := i
		for j < len(edits) {
			if edits[j].Op != Equal {
				j++
				continue
			}
			e := j
			for e < len(edits) && edits[e].Op == Equal {
				e++
			}
			if e == len(edits) || e-j > 2*context {
				break
			}
			j = e
		}
		to := min(j+context, len(edits))
		h := hunk{from: from, to: to, aStart: aLine - (i - from) + 1, bStart: bLine - (i - from) + 1}
		for _, e := range edits[from:to] {
			if e.Op != Insert {
				h.aLen++
			}
			if e.Op != Delete {
				h.bLen++
			}
		}
		out = append(out, h)
		for _, e := range edits[i:to] {
			next(e)
		}
		i = to
	}
	return out
}

// span is a hunk's range as diff -u writes it: "start,len", "start" for
// one line, and for none the line before it.
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
