package shellwords

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in       string
		comments bool
		want     []string
		err      bool
	}{
		{`a  b	c`, false, []string{"a", "b", "c"}, false},
		{`-o "Port 22" 'x y'`, false, []string{"-o", "Port 22", "x y"}, false},
		{`a\ b "c\"d" 'e\f'`, false, []string{"a b", `c"d`, `e\f`}, false},
		{`""`, false, []string{""}, false},
		{`a # b`, false, []string{"a", "#", "b"}, false},
		{`host x=1 # note`, true, []string{"host", "x=1"}, false},
		{`host a#b '#c'`, true, []string{"host", "a#b", "#c"}, false},
		{`"open`, false, nil, true},
	}
	for _, tt := range tests {
		got, err := split(tt.in, tt.comments)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("split(%q, %t) = %q, %v; want %q (error %t)", tt.in, tt.comments, got, err, tt.want, tt.err)
		}
	}
}
