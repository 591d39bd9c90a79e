package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestJSON(t *testing.T) {
	a := newBed(t, 2, "CODE=0", "WORD=alpha")
	b := newBed(t, 1, "CODE=3", "WORD=beta")
	args := append(a.flags(), "-h", b.hostsFile, "-O", "UserKnownHostsFile="+b.known, "-H", "127.0.0.1:1", "--json", `echo $WORD; echo err >&2; exit $CODE`)
	r := runPssh(t, args...)
	wantCode(t, r, 4)
	type host struct {
		Host     string `json:"host"`
		Index    int    `json:"index"`
		User     string `json:"user"`
		Addr     string `json:"addr"`
		ExitCode *int   `json:"exit_code"`
		Signal   string `json:"signal"`
		Stdout   string `json:"stdout"`
		Stderr   string `json:"stderr"`
		Error    *struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"error"`
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	}
	got := map[int]host{}
	for _, l := range lines(r.stdout) {
		var h host
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got[h.Index] = h
	}
	if len(got) != 4 {
		t.Fatalf("%d objects, want 4:\n%s", len(got), r.stdout)
	}
	for i := range 3 {
		h := got[i]
		word, code := "alpha", 0
		if i == 2 {
			word, code = "beta", 3
		}
		if h.ExitCode == nil || *h.ExitCode != code || h.Stdout != word+"\n" || h.Stderr != "err\n" || h.Error != nil || h.User != "tester" {
			t.Errorf("host %d: %+v", i, h)
		}
		if h.Start.IsZero() || h.End.Before(h.Start) {
			t.Errorf("host %d: times %v %v", i, h.Start, h.End)
		}
	}
	if h := got[3]; h.Host != "127.0.0.1:1" || h.ExitCode != nil || h.Error == nil || h.Error.Kind != "connection" || !strings.Contains(h.Error.Text, "refused") {
		t.Errorf("refused host: %+v %+v", h, h.Error)
	}
}
