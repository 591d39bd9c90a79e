package pssh_test

import (
	"slices"
	"testing"

	"github.com/gopssh/pssh"
)

func TestLabels(t *testing.T) {
	tests := []struct {
		entries, users, want []string
	}{
		{[]string{"web1", "web2:2222"}, nil, []string{"web1", "web2:2222"}},
		{[]string{"deploy@web1", "web2"}, nil, []string{"web1", "web2"}},
		{[]string{"web1", "root@web1"}, []string{"alice", ""}, []string{"alice@web1", "root@web1"}},
		{[]string{"web1", "root@web1"}, []string{"root", "root"}, []string{"web1", "web1#2"}},
		{[]string{"web1", "web1", "web1"}, nil, []string{"web1", "web1#2", "web1#3"}},
		{[]string{"web1", "root@web1"}, nil, []string{"web1", "root@web1"}}, // login of web1 not known
	}
	for _, tt := range tests {
		if got := pssh.Labels(tt.entries, tt.users); !slices.Equal(got, tt.want) {
			t.Errorf("Labels(%q, %q) = %q, want %q", tt.entries, tt.users, got, tt.want)
		}
	}
}
