package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestGather(t *testing.T) {
	a := newBed(t, 18, "WORD=same")
	b := newBed(t, 2, "WORD=other")
	r := runPssh(t, append(append(a.flags(), "-h", b.hostsFile, "-O", "UserKnownHostsFile="+b.known), "-b", `echo $WORD; echo line 2; [ $WORD = same ] || exit 2`)...)
	wantCode(t, r, 5)
	ha := fmt.Sprintf("127.0.0.[1-18]:%d (18)", a.port)
	hb := fmt.Sprintf("127.0.0.[1-2]:%d (2)", b.port)
	want := []string{
		strings.Repeat("-", len(ha)), ha, strings.Repeat("-", len(ha)), "same", "line 2",
		strings.Repeat("-", len(hb)), hb, strings.Repeat("-", len(hb)), "other", "line 2",
	}
	if got := lines(r.stdout); !slices.Equal(got, want) {
		t.Errorf("gathered output:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	if wantErr := fmt.Sprintf("pssh: 127.0.0.[1-2]:%d: exited 2\n", b.port); r.stderr != wantErr {
		t.Errorf("stderr %q, want %q", r.stderr, wantErr)
	}
}
