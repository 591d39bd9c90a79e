package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// The chart is well-formed SVG with a panel per RTT, a point per tool,
// host count and RTT that succeeded, a line where a tool has several
// points, and the tools' labels escaped.
func TestChartSVG(t *testing.T) {
	ok := func(name string, wall time.Duration) row {
		return row{name: name, label: name + " <label>", sum: summary{runs: 1, ok: 1, wall: wall}}
	}
	failed := row{name: "b", label: "b <label>", sum: summary{runs: 1}}
	results := []fanoutResult{
		{rtt: 0, hosts: 1, rows: []row{ok("a", 100*time.Millisecond), ok("b", 150*time.Millisecond)}},
		{rtt: 0, hosts: 100, rows: []row{ok("a", 900*time.Millisecond), ok("b", 1300*time.Millisecond)}},
		{rtt: 100 * time.Millisecond, hosts: 1, rows: []row{ok("a", 800*time.Millisecond), failed}},
		{rtt: 100 * time.Millisecond, hosts: 100, rows: []row{ok("a", 2*time.Second), ok("b", 3*time.Second)}},
	}
	svg := chartSVG(results)
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	count := map[string]int{}
	var texts []string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			count[tok.Name.Local]++
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	if count["g"] != 2 || count["circle"] != 7 || count["polyline"] != 3 {
		t.Errorf("panels %d (want 2), points %d (want 7), lines %d (want 3)", count["g"], count["circle"], count["polyline"])
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"RTT 0s", "RTT 100ms", "N=1", "N=100", "a <label>", "b <label>", "5 s"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks the text %q: %s", want, all)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0, 0.1}, {0.08, 0.1}, {0.15, 0.2}, {0.3, 0.5}, {3, 5}, {7, 10}, {12, 20}, {230, 500},
	} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
