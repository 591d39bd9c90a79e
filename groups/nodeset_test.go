package groups_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh/groups"
)

// TestAgainstNodeset expands the testdata's ClusterShell groups as
// ClusterShell's own nodeset does, when it is installed (Debian's
// clustershell package): the same hosts, as sets (nodeset sorts them).
func TestAgainstNodeset(t *testing.T) {
	nodeset, err := exec.LookPath("nodeset")
	if err != nil {
		t.Skip("no nodeset (ClusterShell) to compare with")
	}
	dir, err := filepath.Abs("testdata/clustershell/etc")
	if err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, groups.Options{ClusterShellDirs: []string{dir}})
	for _, list := range []string{
		"@front", "@*", "@web,@db!@local:web", "@roles:cpu", "@roles:racks,extra[1-2]",
		"@roles:*", "@rackA:g[1-2]", "@roles:cpu!node0[1-3],@rackB:x",
	} {
		cmd := exec.Command(nodeset, "-e", list)
		// Only the testdata's configuration: no user file, no system one.
		cmd.Env = []string{"CLUSTERSHELL_CFGDIR=" + dir, "XDG_CONFIG_HOME=/nonexistent", "HOME=/nonexistent", "PATH=/usr/bin:/bin"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nodeset -e %q: %v", list, err)
		}
		want := strings.Fields(string(out))
		got, err := r.Expand(context.Background(), list)
		if err != nil {
			t.Fatalf("Expand(%q): %v", list, err)
		}
		slices.Sort(want)
		got = slices.Sorted(slices.Values(got))
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v (nodeset)", list, got, want)
		}
	}
}
