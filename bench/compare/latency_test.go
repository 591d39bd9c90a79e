package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseRTTs(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []time.Duration
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "0,20ms,100ms", want: []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond}},
		{in: " 100ms , 0 ", want: []time.Duration{100 * time.Millisecond, 0}},
		{in: "20ms,20ms", wantErr: true},
		{in: "-5ms", wantErr: true},
		{in: "fast", wantErr: true},
	} {
		got, err := parseRTTs(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseRTTs(%q): error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("parseRTTs(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("parseRTTs(%q) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}

func TestRoundTripTable(t *testing.T) {
	ok := func(name string, wall time.Duration) row {
		return row{name: name, label: name + " label", sum: summary{runs: 1, ok: 1, wall: wall}}
	}
	failed := row{name: "b", label: "b label", sum: summary{runs: 1}}
	results := []fanoutResult{
		{rtt: 0, hosts: 1, rows: []row{ok("a", 100*time.Millisecond), ok("b", 150*time.Millisecond)}},
		{rtt: 100 * time.Millisecond, hosts: 1, rows: []row{ok("a", 800*time.Millisecond), failed}},
	}
	got := roundTripTable(results)
	for _, want := range []string{
		"| tool | N=1, 100ms |",
		"| a label | 7.0 |", // (0.8 s − 0.1 s) / 0.1 s
		"| b label | – |",   // failed at 100 ms
	} {
		if !strings.Contains(got, want) {
			t.Errorf("round-trip table lacks %q:\n%s", want, got)
		}
	}
	if got := roundTripTable(results[1:]); got != "" {
		t.Errorf("without a run at RTT 0, got a table:\n%s", got)
	}
}
