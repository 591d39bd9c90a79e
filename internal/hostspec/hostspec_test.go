package hostspec

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
	}{
		{"web1", Spec{Host: "web1"}},
		{"web1:2222", Spec{Host: "web1", Port: 2222}},
		{"deploy@web1", Spec{User: "deploy", Host: "web1"}},
		{"deploy@web1:22", Spec{User: "deploy", Host: "web1", Port: 22}},
		{"10.0.0.5", Spec{Host: "10.0.0.5"}},
		{"10.0.0.5:2200", Spec{Host: "10.0.0.5", Port: 2200}},
		{"::1", Spec{Host: "::1"}},
		{"fe80::1%eth0", Spec{Host: "fe80::1%eth0"}},
		{"[::1]", Spec{Host: "::1"}},
		{"[::1]:2222", Spec{Host: "::1", Port: 2222}},
		{"root@[2001:db8::7]:22", Spec{User: "root", Host: "2001:db8::7", Port: 22}},
		{"a@b@host", Spec{User: "a@b", Host: "host"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
	}{
		{"", 0},
		{"user@", 5},
		{"@host", 0},
		{"host:", 4},
		{"host:0", 5},
		{"host:70000", 5},
		{"host:ssh", 5},
		{"[::1", 0},
		{"[::1]x", 5},
		{"[]:22", 1},
		{":22", 0},
		{" host", 0},
		{"ho st", 2},
		{"a:b:c", 0},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos {
			t.Errorf("Parse(%q) error at %d, want %d (%v)", tt.in, se.Pos, tt.pos, err)
		}
	}
}

func TestAddr(t *testing.T) {
	if got := Addr("::1", 22); got != "[::1]:22" {
		t.Errorf("Addr = %q", got)
	}
	if got := Addr("web1", 2222); got != "web1:2222" {
		t.Errorf("Addr = %q", got)
	}
}
