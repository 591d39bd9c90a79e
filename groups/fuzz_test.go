package groups_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gopssh/pssh/groups"
)

// FuzzExpand: any list gives hosts or an error, never a panic or a hang,
// and an exclusion never leaves an excluded host in.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"@a", "@s:a!@b", "@a,!x[1-3]", "@*", "@s:*", "@", "@:", "!@a", "@a!", "@r[1-2]", "@loop", "x!y!z", "[::1]:22,@b"} {
		f.Add(s)
	}
	r, err := groups.New(context.Background(), groups.Options{NoClusterShell: true, Sources: []groups.Source{
		groups.Static("s", map[string][]string{"a": {"x[1-4]"}, "b": {"x2", "@a!x1"}, "r1": {"y"}, "r2": {"z"}, "loop": {"@loop"}}),
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, list string) {
		include, exclude, err := r.Parse(context.Background(), list)
		if err != nil {
			return
		}
		hosts, err := r.Expand(context.Background(), list)
		if err != nil {
			t.Fatalf("Parse(%q) succeeded, Expand failed: %v", list, err)
		}
		drop := map[string]bool{}
		for _, h := range exclude {
			drop[h] = true
		}
		for _, h := range hosts {
			if drop[h] {
				t.Errorf("Expand(%q) kept excluded %q", list, h)
			}
		}
		if len(hosts) > len(include) {
			t.Errorf("Expand(%q): %d hosts from %d included", list, len(hosts), len(include))
		}
	})
}

// FuzzInventory: any Ansible inventory, INI or YAML, loads or fails with
// an error naming the file, and every group of one that loads expands.
func FuzzInventory(f *testing.F) {
	for _, s := range []string{
		"h1 ansible_host=10.0.0.1\n[web]\nw[01:03] ansible_port=22\n[all:children]\nweb\n[web:vars]\nansible_user=u\n",
		"[a:children]\nb\n[b:children]\na\n",
		"all:\n  hosts:\n    h[1:3:2]:\n      ansible_port: 2\n  children:\n    c:\n      hosts:\n        x:\n",
		"h:22\n[::1]\n[e]\nd-[a:c]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inv string) {
		path := t.TempDir() + "/inventory"
		if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := groups.New(context.Background(), groups.Options{NoClusterShell: true, Inventories: []string{path}})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error without the file: %v", err)
			}
			return
		}
		names, _ := r.Sources()[0].Groups(context.Background())
		for _, g := range names {
			r.Group(context.Background(), "ansible:"+g) // cycles are errors, not hangs
		}
	})
}
