package wildcard

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"web1", "web1", true},
		{"web1", "web?", true},
		{"web10", "web?", false},
		{"web10", "web*", true},
		{"web", "web*", true},
		{"db1", "web*", false},
		{"a.example.com", "*.example.com", true},
		{"example.com", "*.example.com", false},
		{"abcabc", "*abc", true},
		{"abcab", "a*b*c", false},
		{"", "*", true},
		{"", "", true},
		{"x", "", false},
		{"WEB1", "web1", false},
		{"abc", "a*b*c", true},
		{"acb", "a*b*c", false},
		// Many stars against a name that does not match: a naive
		// backtracking matcher would not finish.
		{strings.Repeat("a", 5000), strings.Repeat("*a", 200) + "b", false},
	}
	for _, tt := range tests {
		if got := Match(tt.s, tt.pattern); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.s, tt.pattern, got, tt.want)
		}
	}
}
