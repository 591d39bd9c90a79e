package hostlist

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		expr string
		want string // hosts joined by spaces
	}{
		{"", ""},
		{"web1", "web1"},
		{"a,b c\td\n e", "a b c d e"},
		{"web[01-03].example.com", "web01.example.com web02.example.com web03.example.com"},
		{"db[1-3,7]", "db1 db2 db3 db7"},
		{"n[8-11]", "n8 n9 n10 n11"},
		{"n[08-11]", "n08 n09 n10 n11"},
		{"n[098-100]", "n098 n099 n100"},
		{"r[1-2]-n[1-2]", "r1-n1 r1-n2 r2-n1 r2-n2"},
		{"node[1-10/3]", "node1 node4 node7 node10"},
		{"web[1-5],!web3", "web1 web2 web4 web5"},
		{"!web3,web[1-5]", "web1 web2 web4 web5"},
		{"web[1-5] !web[2-4]", "web1 web5"},
		{"a,a,b,a", "a b"},
		{"root@web[1-2]:2222", "root@web1:2222 root@web2:2222"},
		{"[::1]:22,[::1]:2222", "[::1]:22 [::1]:2222"},
		{"::1", "::1"},
		{"h[7]", "h7"},
		{"x[1,1,2]", "x1 x2"},
		{"a,,b", "a b"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.expr)
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.expr, err)
			continue
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.expr, s, tt.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		in   string // part of the reason
	}{
		{"web[1-3", 3, "without ']'"},
		{"web1-3]", 6, "without '['"},
		{"web[]", 4, "empty brackets"},
		{"web[a-c]", 4, "not a number"},
		{"web[1-]", 6, "not a number"},
		{"web[3-1]", 4, "backwards"},
		{"web[1,,2]", 6, "empty range"},
		{"ok,web[1-2/0]", 11, "step"},
		{"a,!", 2, "no host"},
		{"n[1-1000000000]", 4, "not a number"},
		{"n[0-999999999]", 2, "more than"},
		{"n[1-2000][1-2000]", 9, "more than"},
		{"a[[1]]", 2, "inside brackets"},
	}
	for _, tt := range tests {
		_, err := Expand(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Expand(%q): error %v, want a *SyntaxError", tt.expr, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Reason, tt.in) {
			t.Errorf("Expand(%q): %v; want position %d and %q", tt.expr, err, tt.pos, tt.in)
		}
		if !strings.Contains(err.Error(), "position") {
			t.Errorf("error %q does not name the position", err)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		expr    string
		include string // hosts joined by spaces
		exclude string
	}{
		{"", "", ""},
		{" \t,\n", "", ""},
		{"web[1-3]", "web1 web2 web3", ""},
		{"web[1-3],!web2", "web1 web2 web3", "web2"},
		{"!web2", "", "web2"},
		{"!web[2-3] web1", "web1", "web2 web3"},
		{"a,a !b,!b", "a a", "b b"},
		{"!u@h[1-2]:22", "", "u@h1:22 u@h2:22"},
		{"[::1]:22,![::2]:22", "[::1]:22", "[::2]:22"},
		{"r[1-2]-n[1-2],!r2-n1", "r1-n1 r1-n2 r2-n1 r2-n2", "r2-n1"},
		{"x!y", "x!y", ""}, // "!" only counts at the start of an item
	}
	for _, tt := range tests {
		include, exclude, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if s := strings.Join(include, " "); s != tt.include {
			t.Errorf("Parse(%q) include = %q, want %q", tt.expr, s, tt.include)
		}
		if s := strings.Join(exclude, " "); s != tt.exclude {
			t.Errorf("Parse(%q) exclude = %q, want %q", tt.expr, s, tt.exclude)
		}
		want, err := Expand(tt.expr)
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.expr, err)
		} else if got := Exclude(include, exclude); !slices.Equal(got, want) {
			t.Errorf("Exclude(Parse(%q)) = %q, Expand = %q", tt.expr, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		in   string
	}{
		{"a b,!", 4, "no host"},
		{"a ! b", 2, "no host"},
		{"ok,!web[1-", 7, "without ']'"},
		{"ok, bad[2-1]", 8, "backwards"},
		{"n[1-1048576] !x", 14, "more than"}, // MaxHosts counts excluded hosts
	}
	for _, tt := range tests {
		include, exclude, err := Parse(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %v, want a *SyntaxError", tt.expr, err)
			continue
		}
		if se.Expr != tt.expr || se.Pos != tt.pos || !strings.Contains(se.Reason, tt.in) {
			t.Errorf("Parse(%q): %v; want position %d and %q", tt.expr, err, tt.pos, tt.in)
		}
		if include != nil || exclude != nil {
			t.Errorf("Parse(%q) returned hosts with its error", tt.expr)
		}
	}
}

func TestFold(t *testing.T) {
	seq := func(prefix string, from, to int, width int, suffix string) []string {
		var s []string
		for i := from; i <= to; i++ {
			s = append(s, prefix+pad(i, width)+suffix)
		}
		return s
	}
	tests := []struct {
		hosts []string
		want  string
	}{
		{nil, ""},
		{[]string{"web1"}, "web1"},
		{append(seq("web", 1, 18, 2, ""), "web20"), "web[01-18,20]"},
		{seq("web", 8, 12, 0, ".example.com"), "web[8-12].example.com"},
		{[]string{"web3", "web1", "web2", "web1"}, "web[1-3]"},
		{[]string{"db1", "web1", "db2", "alpha", "web2"}, "db[1-2],web[1-2],alpha"},
		{[]string{"web01.dc1", "web02.dc1", "web03.dc1"}, "web[01-03].dc1"},
		{[]string{"web1.dc1", "web1.dc2", "web2.dc1"}, "web1.dc[1-2],web2.dc1"},
		{[]string{"r1-n1", "r1-n2", "r2-n1"}, "r1-n[1-2],r2-n1"},
		{[]string{"n1", "n01"}, "n1,n01"},
		{[]string{"n09", "n10", "n100"}, "n[09-10],n100"},
		{[]string{"[::1]:22", "::2"}, "[::1]:22,::2"},
		{[]string{"u@h1:22", "u@h2:22"}, "u@h[1-2]:22"},
		{[]string{"x12345678901", "x12345678902"}, "x12345678901,x12345678902"},
	}
	for _, tt := range tests {
		got := Fold(tt.hosts)
		if got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.hosts, got, tt.want)
		}
		back, err := Expand(got)
		if err != nil {
			t.Errorf("Expand(Fold(%q)) = %v", tt.hosts, err)
			continue
		}
		if !sameSet(back, tt.hosts) {
			t.Errorf("Expand(Fold(%q)) = %q", tt.hosts, back)
		}
	}
}

func TestExclude(t *testing.T) {
	got := Exclude([]string{"a", "b", "c", "a"}, []string{"b", "x"})
	if !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("Exclude = %q", got)
	}
}

func sameSet(a, b []string) bool {
	x := slices.Compact(slices.Sorted(slices.Values(a)))
	y := slices.Compact(slices.Sorted(slices.Values(b)))
	return slices.Equal(x, y)
}

// FuzzExpand checks that Expand never panics, that what it accepts has no
// empty or duplicate hosts, and that folding the result and expanding it
// again gives the same hosts.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"web[01-20].example.com", "db[1-3,7]", "r[1-2]-n[1-4]", "a,b !a", "[::1]:22", "n[1-10/3]", "web[1-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 200 {
			return
		}
		hosts, err := Expand(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(expr) {
				t.Fatalf("Expand(%q): bad error %v", expr, err)
			}
			return
		}
		if len(hosts) > 10000 {
			return
		}
		seen := map[string]bool{}
		for _, h := range hosts {
			if h == "" || seen[h] {
				t.Fatalf("Expand(%q) gave empty or duplicate host %q", expr, h)
			}
			seen[h] = true
		}
		folded := Fold(hosts)
		back, err := Expand(folded)
		if err != nil {
			t.Fatalf("Expand(Fold(Expand(%q))) = Expand(%q): %v", expr, folded, err)
		}
		if !sameSet(back, hosts) {
			t.Fatalf("Expand(%q) = %q; folded %q expands to %q", expr, hosts, folded, back)
		}
	})
}
