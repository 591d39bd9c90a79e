package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTableFanout(t *testing.T) {
	w := work{kind: fanoutWork, hosts: 100, command: "true"}
	rows := []row{
		{name: "pssh", label: "pssh", ours: true, sum: summary{runs: 3, ok: 3, wall: 1500 * time.Millisecond, cpu: 200 * time.Millisecond, maxRSS: 18e6, treeRSS: 18e6}},
		{name: "asyncssh", label: "asyncssh", sum: summary{runs: 3, ok: 3, wall: 3 * time.Second, cpu: time.Second, maxRSS: 50e6, treeRSS: 52e6}},
		{name: "pdsh", label: "pdsh", sum: summary{runs: 3, ok: 3, wall: 6 * time.Second, cpu: 8 * time.Second, maxRSS: 9e6, treeRSS: 900e6}},
		{name: "clush", label: "clush", sum: summary{runs: 3, ok: 0, firstErr: errors.New("exit status 255; stderr: a|b\nc")}},
	}
	want := "### `true` on 100 hosts\n\n" +
		"| tool | runs ok | wall s | client CPU ms/host | peak RSS MB | peak total RSS MB |\n" +
		"|---|---:|---:|---:|---:|---:|\n" +
		"| pssh | 3/3 | 1.50 | 2.00 | 18.0 | 18.0 |\n" +
		"| asyncssh | 3/3 | 3.00 | 10.00 | 50.0 | 52.0 |\n" +
		"| pdsh | 3/3 | 6.00 | 80.00 | 9.0 | 900.0 |\n" +
		"| clush | 0/3 | failed | failed | failed | failed |\n" +
		"| **pssh ÷ best peer** | | 0.50× (asyncssh) | 0.20× (asyncssh) | 2.00× (pdsh) | 0.35× (asyncssh) |\n" +
		"\nFailed runs (first failure of each tool):\n\n" +
		"- clush: exit status 255; stderr: a\\|b c\n"
	if got := table(w, rows); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableStream(t *testing.T) {
	w := work{kind: streamWork, hosts: 1, bytes: 1e9}
	rows := []row{
		{name: "pssh", label: "pssh", ours: true, sum: summary{runs: 1, ok: 1, wall: 2 * time.Second, cpu: time.Second, maxRSS: 20e6, treeRSS: 20e6}},
		{name: "ssh", label: "ssh", sum: summary{runs: 1, ok: 1, wall: 4 * time.Second, cpu: 2 * time.Second, maxRSS: 10e6, treeRSS: 10e6}},
		{name: "ssh-aes", label: "ssh-aes", sum: summary{runs: 1, ok: 1, wall: 1 * time.Second, cpu: 4 * time.Second, maxRSS: 8e6, treeRSS: 8e6}},
	}
	got := table(w, rows)
	for _, want := range []string{
		"### One host streaming 1 GB of stdout (`head -c 1000000000 /dev/zero`)\n",
		"| tool | runs ok | wall s | MB/s | client CPU s | peak RSS MB | peak total RSS MB |\n",
		"| pssh | 1/1 | 2.00 | 500 | 1.00 | 20.0 | 20.0 |\n",
		// MB/s: higher is better, so the best peer is the fastest.
		"| **pssh ÷ best peer** | | 2.00× (ssh-aes) | 0.50× (ssh-aes) | 0.50× (ssh) | 2.50× (ssh-aes) | 2.50× (ssh-aes) |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestTableNoPeer(t *testing.T) {
	w := work{kind: fanoutWork, hosts: 1, command: "true"}
	got := table(w, []row{{name: "pssh", label: "pssh", ours: true, sum: summary{runs: 1, ok: 1, wall: time.Second}}})
	if !strings.Contains(got, "| **pssh ÷ best peer** | | – | – | – | – |\n") {
		t.Errorf("without peers the ratios should be dashes:\n%s", got)
	}
}

func TestHumanBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{1e9, "1 GB"}, {100e6, "100 MB"}, {1500e6, "1500 MB"}, {12345, "12345 bytes"},
	} {
		if got := humanBytes(tc.n); got != tc.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestWorkTitle(t *testing.T) {
	for _, tc := range []struct {
		w    work
		want string
	}{
		{work{kind: fanoutWork, hosts: 1, command: "true"}, "`true` on 1 host"},
		{work{kind: fanoutWork, hosts: 500, command: "uptime"}, "`uptime` on 500 hosts"},
		{work{kind: streamWork, hosts: 1, bytes: 1e6}, "One host streaming 1 MB of stdout (`head -c 1000000 /dev/zero`)"},
	} {
		if got := tc.w.title(); got != tc.want {
			t.Errorf("title = %q, want %q", got, tc.want)
		}
	}
}
