package main

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCounts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"1,10,100", []int{1, 10, 100}, ""},
		{" 500 , 1 ", []int{500, 1}, ""},
		{"", nil, ""},
		{"1,,2", []int{1, 2}, ""},
		{"0", nil, "not a positive number"},
		{"x", nil, "not a positive number"},
		{"10,10", nil, "given twice"},
	} {
		got, err := parseCounts(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseCounts(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseCounts(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseTools(t *testing.T) {
	known := []string{"pssh", "pdsh", "clush"}
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"clush,pssh", []string{"pssh", "clush"}, ""},
		{"pdsh, pdsh", []string{"pdsh"}, ""},
		{"vssh", nil, `unknown tool "vssh"`},
		{"", nil, "no tools"},
	} {
		got, err := parseTools(tc.in, known)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseTools(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseTools(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.hosts, []int{1, 10, 100, 500, 1000}) || c.reps != 3 || c.command != "true" ||
		c.streamBytes != 1e9 || !c.transfer || !c.install || len(c.tools) != len(allTools()) {
		t.Errorf("defaults: %+v", c)
	}
	c, err = parseFlags([]string{"-n", "1,10", "-reps", "1", "-tools", "pssh,asyncssh", "-transfer-args", "-big 16  -small 4"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.hosts, []int{1, 10}) || c.reps != 1 || !slices.Equal(c.tools, []string{"pssh", "asyncssh"}) ||
		!slices.Equal(c.transferArgs, []string{"-big", "16", "-small", "4"}) {
		t.Errorf("parsed: %+v", c)
	}
	for _, args := range [][]string{
		{"-reps", "0"}, {"-n", "a"}, {"-tools", "nope"}, {"-stream-bytes", "-1"}, {"-addrs", "0"}, {"extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestToolsHaveWork(t *testing.T) {
	seen := make(map[string]bool)
	for _, tl := range allTools() {
		if seen[tl.name] {
			t.Errorf("tool %q twice", tl.name)
		}
		seen[tl.name] = true
		if tl.fanout == nil && tl.stream == nil {
			t.Errorf("tool %q has no work", tl.name)
		}
	}
	if !seen["pssh"] {
		t.Error("no pssh")
	}
}

func TestSSHDConfig(t *testing.T) {
	for _, tc := range []struct {
		hosts   []int
		timeout int
		want    []string
	}{
		{[]int{1, 1000}, 60, []string{"MaxStartups 3000:30:3000", "LoginGraceTime 120"}},
		{[]int{5000}, 30, []string{"MaxStartups 5100:30:5100", "LoginGraceTime 60"}},
	} {
		got := sshdConfig(&config{hosts: tc.hosts, connectTimeout: tc.timeout})
		if !slices.Equal(got, tc.want) {
			t.Errorf("sshdConfig(%v, %d) = %q, want %q", tc.hosts, tc.timeout, got, tc.want)
		}
	}
}
