package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

// The reference is the output most hosts gave, the first on a tie; the
// other variants follow in the order of their first host; hosts that did
// not run are left out.
func TestVariants(t *testing.T) {
	tests := []struct {
		outputs []string // "!" for a host that failed to connect
		want    []string // each variant's hosts, by index
	}{
		{[]string{"x", "y", "y", "z"}, []string{"1 2", "0", "3"}},
		{[]string{"x", "y"}, []string{"0", "1"}},
		{[]string{"a", "a", "a"}, []string{"0 1 2"}},
		{[]string{"", "a", "", "!"}, []string{"0 2", "1"}},
		{[]string{"!", "!"}, nil},
	}
	for _, tt := range tests {
		var res []*result
		for i, o := range tt.outputs {
			x := &result{name: fmt.Sprint(i), stdout: newCapture(true), outcome: succeeded}
			if o == "!" {
				x.outcome = connectFailed
			}
			x.stdout.write([]byte(o))
			x.stdout.close()
			res = append(res, x)
		}
		var got []string
		for _, v := range variants(res, func(x *result) *capture { return x.stdout }, false) {
			var names []string
			for _, x := range v.hosts {
				names = append(names, x.name)
			}
			got = append(got, strings.Join(names, " "))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: variants %q, want %q", tt.outputs, got, tt.want)
		}
	}
}

// TestOpenSSHDiff compares the outputs of four hosts of a real sshd, one
// of which differs.
func TestOpenSSHDiff(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}})
	user, _ := opensshd.EnsureTestUser(t)
	auth := []string{"-H", fmt.Sprintf("%s@127.0.0.[1-4]:%d", user, s.Port), "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile}
	cmd := `echo start; case "$SSH_CONNECTION" in *" 127.0.0.3 "*) echo three;; *) echo other;; esac; echo end`
	ref := fmt.Sprintf("127.0.0.[1-2,4]:%d (3)", s.Port)
	odd := fmt.Sprintf("127.0.0.3:%d (1)", s.Port)
	diff := "--- " + ref + "\n+++ " + odd + "\n@@ -1,3 +1,3 @@\n start\n-other\n+three\n end\n"

	t.Run("diff", func(t *testing.T) {
		r := runPssh(t, append(auth, "--diff", cmd)...)
		wantCode(t, r, 0)
		if r.stdout != diff {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, diff)
		}
	})
	t.Run("with -b", func(t *testing.T) {
		r := runPssh(t, append(auth, "-b", "--diff", cmd)...)
		wantCode(t, r, 0)
		rule := strings.Repeat("-", len(ref))
		want := rule + "\n" + ref + "\n" + rule + "\nstart\nother\nend\n" + diff
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("all the same", func(t *testing.T) {
		r := runPssh(t, append(auth, "--diff", "echo same")...)
		wantCode(t, r, 0)
		if r.stdout != "" {
			t.Errorf("stdout:\n%s", r.stdout)
		}
	})
	t.Run("json", func(t *testing.T) {
		r := runPssh(t, append(auth, "--json", "--diff", cmd)...)
		wantCode(t, r, 0)
		got := jsonLines(t, r.stdout)
		for n, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 1} {
			j := got[fmt.Sprintf("127.0.0.%d:%d", n, s.Port)]
			if j.Variant != want || !strings.HasPrefix(j.Stdout, "start\n") {
				t.Errorf("127.0.0.%d: variant %d, stdout %q; want variant %d", n, j.Variant, j.Stdout, want)
			}
		}
		if !strings.Contains(r.stdout, `"index":0`) || strings.Index(r.stdout, `"index":0`) > strings.Index(r.stdout, `"index":3`) {
			t.Errorf("not in host-list order:\n%s", r.stdout)
		}
	})
}
