package udiff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	tests := []struct {
		name, a, b string
		context    int
		want       string
	}{
		{"equal", "x\ny\n", "x\ny\n", 3, ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", 3,
			"--- ref\n+++ var\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"added at the end", "a\nb\n", "a\nb\nc\n", 3,
			"--- ref\n+++ var\n@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
		{"from nothing", "", "a\n", 3,
			"--- ref\n+++ var\n@@ -0,0 +1 @@\n+a\n"},
		{"to nothing", "a\nb\n", "", 3,
			"--- ref\n+++ var\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"no newline at the end", "a\nb", "a\nb\n", 3,
			"--- ref\n+++ var\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\nX\n3\n4\n5\n6\n7\n8\nY\n10\n", 1,
			"--- ref\n+++ var\n@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n@@ -8,3 +8,3 @@\n 8\n-9\n+Y\n 10\n"},
		{"close changes share a hunk", "1\n2\n3\n4\n5\n", "X\n2\n3\nY\n5\n", 1,
			"--- ref\n+++ var\n@@ -1,5 +1,5 @@\n-1\n+X\n 2\n 3\n-4\n+Y\n 5\n"},
		{"deleted in the middle, default context", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nf\ng\nh\n", -1,
			"--- ref\n+++ var\n@@ -2,7 +2,6 @@\n b\n c\n d\n-e\n f\n g\n h\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified("ref", "var", tt.a, tt.b, tt.context); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// lcs is the length of the longest common subsequence, by dynamic
// programming: a shortest edit script has len(a)+len(b)-2*lcs edits.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// The edit script rebuilds both texts and is a shortest one.
func TestDiffRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	text := func() []string {
		var out []string
		for range r.IntN(30) {
			out = append(out, string(rune('a'+r.IntN(4)))+"\n")
		}
		return out
	}
	for range 2000 {
		a, b := text(), text()
		edits := Diff(a, b)
		var gotA, gotB []string
		changes := 0
		for _, e := range edits {
			if e.Op != Insert {
				gotA = append(gotA, e.Line)
			}
			if e.Op != Delete {
				gotB = append(gotB, e.Line)
			}
			if e.Op != Equal {
				changes++
			}
		}
		if strings.Join(gotA, "") != strings.Join(a, "") || strings.Join(gotB, "") != strings.Join(b, "") {
			t.Fatalf("script %v does not rebuild %q and %q", edits, a, b)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); changes != want {
			t.Fatalf("%d changes for %q -> %q, the shortest has %d", changes, a, b, want)
		}
	}
}

// Texts further apart than maxEdits still get a correct diff.
func TestDiffFarApart(t *testing.T) {
	var a, b []string
	for i := range maxEdits {
		a = append(a, "a"+strings.Repeat("x", i%7)+"\n")
		b = append(b, "b"+strings.Repeat("y", i%5)+"\n")
	}
	edits := Diff(a, b)
	if len(edits) != len(a)+len(b) {
		t.Fatalf("%d edits, want %d", len(edits), len(a)+len(b))
	}
}

func TestLines(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a\n": "a\n", "a\nb": "a\n|b", "\n\n": "\n|\n"} {
		if got := strings.Join(Lines(in), "|"); got != want {
			t.Errorf("Lines(%q) = %q, want %q", in, got, want)
		}
	}
}
