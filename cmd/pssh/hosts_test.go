package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHostSelection(t *testing.T) {
	b := newBed(t, 6)
	p := b.port
	file := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(file, []byte(fmt.Sprintf(`# web tier
127.0.0.[1-3]:%d   # three hosts

tester@127.0.0.4:%d, !127.0.0.2:%d
`, p, p, p)), 0o600)
	host := func(n ...int) []string {
		var s []string
		for _, i := range n {
			s = append(s, fmt.Sprintf("127.0.0.%d:%d", i, p))
		}
		return s
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"file with comments, ranges and !", []string{"-h", file}, host(1, 3, 4)},
		{"-H range with comma list", []string{"-H", fmt.Sprintf("127.0.0.[1-2,5]:%d", p)}, host(1, 2, 5)},
		{"-H repeated, spaces", []string{"-H", fmt.Sprintf("127.0.0.1:%d 127.0.0.2:%d", p, p), "-H", fmt.Sprintf("127.0.0.6:%d", p)}, host(1, 2, 6)},
		{"--exclude", []string{"-H", fmt.Sprintf("127.0.0.[1-6]:%d", p), "--exclude", fmt.Sprintf("127.0.0.[2-5]:%d", p)}, host(1, 6)},
		{"exclude by name", []string{"-H", fmt.Sprintf("127.0.0.[1-3]:%d", p), "--exclude", "127.0.0.2"}, host(1, 3)},
		{"-g glob", []string{"-h", file, "-H", fmt.Sprintf("127.0.0.[5-6]:%d", p), "-g", "127.0.0.[35]"}, host(3, 5)},
		{"duplicates once", []string{"-H", fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d", p, p)}, host(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPssh(t, append(append(tt.args, b.auth()...), "true")...)
			wantCode(t, r, 0)
			var got []string
			for h := range statuses(t, r.stdout) {
				got = append(got, h)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("hosts %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHostSyntaxErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(file, []byte("ok1\n# fine\nweb[01-03\n"), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-h", file}, file + `:3: bad host list "web[01-03" at position 3: '[' without ']'`},
		{[]string{"-H", "db[3-1]"}, `at position 3: range 3-1 goes backwards`},
		{[]string{"-H", "db[x]"}, `"x" is not a number`},
		{[]string{"-H", "a", "--exclude", "b]"}, `--exclude: bad host list "b]" at position 1`},
		{[]string{"-H", "host:99999"}, `port "99999"`},
		{[]string{"-h", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"-H", "a", "-g", "[x"}, "syntax error in pattern"},
		{[]string{"-H", "a,@nosuch"}, "-H a,@nosuch: unknown group @nosuch"},
		{[]string{"-H", "a", "--exclude", "@x:y"}, `--exclude: unknown group source "x" in @x:y`},
		{[]string{"--groups", filepath.Join(t.TempDir(), "missing"), "-H", "a"}, "groups: " + t.TempDir()[:5]},
		{[]string{"--inventory", file, "-H", "a"}, file + `:3: host pattern "web[01-03": '[' without ']'`},
	}
	for _, tt := range tests {
		r := runPssh(t, append(tt.args, "true")...)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: stderr %q, want %q", tt.args, r.stderr, tt.want)
		}
	}
}
