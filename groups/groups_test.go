package groups_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh/groups"
	"github.com/gopssh/pssh/hostlist"
)

// testOptions reads every testdata source, hermetically: no directory of
// the machine's.
func testOptions() groups.Options {
	return groups.Options{
		ClusterShellDirs: []string{"testdata/clustershell/etc"},
		Inventories:      []string{"testdata/ansible/hosts.ini", "testdata/ansible/hosts.yml"},
		GroupFiles:       []string{"testdata/groups.yaml"},
		Sources:          []groups.Source{groups.Static("last", map[string][]string{"failed": {"web02.example.com", "db9"}})},
	}
}

func newResolver(t *testing.T, opts groups.Options) *groups.Resolver {
	t.Helper()
	r, err := groups.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExpand(t *testing.T) {
	r := newResolver(t, testOptions())
	tests := []struct {
		list string
		want string // hosts, space-separated
	}{
		// Named files come before ClusterShell: @web is the inventory's.
		{"@web", "web01.example.com web02.example.com web03.example.com web09.example.com"},
		// ClusterShell's default source, "local": commands over a flat
		// file. Its groups name others of the same source first.
		{"@local:web", "web01 web02 web03 web04"},
		{"@local:db", "db1 db2 db9"},
		{"@front", "web01 web02 web03 web04 proxy1"},
		{"@local:*", "web01 web02 web03 web04 db1 db2 db9 proxy1"},
		// Exclusion, in an item and as an item, applies to the whole list.
		{"@local:web!web02", "web01 web03 web04"},
		{"@local:web,@local:db!@local:web", "db1 db2 db9"},
		{"@local:web,!web0[1-3]", "web04"},
		{"!web01 @local:web", "web02 web03 web04"},
		// Ranges in host names and in group names.
		{"@roles:cpu", "node01 node02 node03 node04 node05 node06 node07 node08"},
		{"@roles:racks,extra[1-2]", "r1n1 r1n2 r2n1 extra1 extra2"},
		{"@rackA:g[1-2]", "rackA-g1-n1 rackA-g1-n2 rackA-g2-n1 rackA-g2-n2"},
		{"@rackB:x", "rackB-x-n1 rackB-x-n2"},
		{"@roles:*", "login1 login2 node01 node02 node03 node04 node05 node06 node07 node08 node09 node10"},
		// Ansible: groups, children, ranges, "all".
		{"@ansible:web", "web01.example.com web02.example.com web03.example.com web09.example.com"},
		{"@prod!@ansible:web", "db-a.example.com db-b.example.com db-c.example.com"},
		{"@cache", "redis1.example.com redis3.example.com redis5.example.com memcached.example.com"},
		{"@edge", "redis1.example.com redis3.example.com redis5.example.com memcached.example.com lb1.example.com"},
		{"@ungrouped", "bastion.example.com"},
		// The group file, which reaches into other sources.
		{"@canary", "web01.example.com"},
		{"@everything", "web01.example.com web02.example.com web03.example.com db-a.example.com db-b.example.com db-c.example.com db1 db2 db9"},
		// Sources the caller adds.
		{"@failed", "web02.example.com db9"},
		{"@ansible:web!@last:failed", "web01.example.com web03.example.com web09.example.com"},
		// Plain host lists pass through hostlist.
		{"root@h[1-2]:2222, [::1]:22", "root@h1:2222 root@h2:2222 [::1]:22"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			got, err := r.Expand(context.Background(), tt.list)
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("Expand(%q)\n got %s\nwant %s", tt.list, s, tt.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	r := newResolver(t, testOptions())
	tests := []struct {
		list string
		want string // in the error
		is   any    // the error type to match with errors.As
	}{
		{"@nosuch", "unknown group @nosuch", new(*groups.UnknownGroupError)},
		{"@roles:nosuch", "unknown group @roles:nosuch", new(*groups.UnknownGroupError)},
		{"@nosrc:web", `unknown group source "nosrc"`, new(*groups.UnknownGroupError)},
		{"@roles:loop1", "group cycle: @roles:loop1 -> @roles:loop2 -> @roles:loop1", new(*groups.CycleError)},
		{"@broken:x", "no such database", new(*groups.CommandError)},
		{"@local:web!", `"!" with no host after it`, new(*hostlist.SyntaxError)},
		{"web[1-", "'[' without ']'", new(*hostlist.SyntaxError)},
		{"@local:a;rm", "characters the shell would read", nil},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			_, err := r.Expand(context.Background(), tt.list)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Expand(%q) = %v, want an error with %q", tt.list, err, tt.want)
			}
			if tt.is != nil && !errors.As(err, tt.is) {
				t.Errorf("error %T does not match %T", err, tt.is)
			}
		})
	}
}

func TestVars(t *testing.T) {
	r := newResolver(t, testOptions())
	tests := []struct {
		host string
		want groups.Vars
		ok   bool
	}{
		{"bastion.example.com", groups.Vars{Address: "10.0.0.1", Port: 2222}, true},
		// prod's user (a child's group variables beat its parent's, the
		// host's own beat both), all's port.
		{"web01.example.com", groups.Vars{Port: 2222, User: "ops"}, true},
		{"web09.example.com", groups.Vars{Port: 2201, User: "deploy"}, true},
		{"db-b.example.com", groups.Vars{Port: 5432, User: "ops"}, true},
		// cache's site; pssh_site beats site.
		{"redis3.example.com", groups.Vars{Port: 2222, User: "redis", Site: "dc-west"}, true},
		{"memcached.example.com", groups.Vars{Address: "192.0.2.7", Port: 2200, User: "cacheops", Site: "dc-east"}, true},
		{"lb1.example.com", groups.Vars{Port: 2222}, true},
		{"web01", groups.Vars{}, false},
	}
	for _, tt := range tests {
		got, ok := r.Vars(tt.host)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Vars(%s) = %+v, %t; want %+v, %t", tt.host, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSources(t *testing.T) {
	r := newResolver(t, testOptions())
	var names []string
	for _, s := range r.Sources() {
		names = append(names, s.Name())
	}
	want := []string{"last", "ansible", "file", "local", "broken", "rackA", "rackB", "roles"}
	if !slices.Equal(names, want) {
		t.Fatalf("sources %q, want %q", names, want)
	}
	names = names[:0]
	for _, s := range r.Searched() {
		names = append(names, s.Name())
	}
	if want := []string{"last", "ansible", "file", "local"}; !slices.Equal(names, want) {
		t.Errorf("searched %q, want %q", names, want)
	}
	lists := map[string]string{
		"local":   "db front web",
		"rackA":   "x y",
		"roles":   "all compute cpu gpu login loop1 loop2 racks",
		"ansible": "all cache db edge lb prod ungrouped web",
		"file":    "batch1 canary everything",
	}
	for _, s := range r.Sources() {
		want, ok := lists[s.Name()]
		if !ok {
			continue
		}
		got, err := s.Groups(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s lists %q, want %q", s.Name(), got, want)
		}
	}
}

// TestPrecedence: the user's groups.conf wins setting by setting over the
// system's, as clush reads them.
func TestPrecedence(t *testing.T) {
	opts := groups.Options{ClusterShellDirs: []string{"testdata/clustershell/user", "testdata/clustershell/etc"}}
	r := newResolver(t, opts)
	got, err := r.Expand(context.Background(), "@login")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "login1 login2" {
		t.Errorf("@login with default roles = %q", got)
	}
	if _, err := r.Expand(context.Background(), "@web"); err == nil {
		t.Error("@web found outside the default source")
	}
}

// TestNoConfiguration: without groups.conf ClusterShell's groups are off,
// as with clush; a missing inventory is an error.
func TestNoConfiguration(t *testing.T) {
	r := newResolver(t, groups.Options{ClusterShellDirs: []string{t.TempDir()}})
	if len(r.Sources()) != 0 {
		t.Errorf("sources without groups.conf: %d", len(r.Sources()))
	}
	_, err := groups.New(context.Background(), groups.Options{NoClusterShell: true, Inventories: []string{filepath.Join(t.TempDir(), "missing")}})
	var fe *groups.FileError
	if !errors.As(err, &fe) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing inventory: %v", err)
	}
}

// TestCommandsRunOnce: a resolver runs each external command once, and
// in the configuration's directory with $CFGDIR set.
func TestCommandsRunOnce(t *testing.T) {
	dir := t.TempDir()
	conf := "[Main]\ndefault: counted\n[counted]\nmap: echo x >> calls; echo \"$CFGDIR\" | grep -q '^/' && echo h-$GROUP\n"
	if err := os.WriteFile(filepath.Join(dir, "groups.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, groups.Options{ClusterShellDirs: []string{dir}})
	for range 3 {
		got, err := r.Expand(context.Background(), "@g,@g,@counted:g")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != "h-g" {
			t.Fatalf("got %q", got)
		}
	}
	calls, err := os.ReadFile(filepath.Join(dir, "calls"))
	if err != nil || string(calls) != "x\n" {
		t.Errorf("map ran %q times (err %v), want once", calls, err)
	}
}

// TestGroupsdir: ClusterShell 1.6 named confdir groupsdir; such a
// configuration still reads its .conf files.
func TestGroupsdir(t *testing.T) {
	dir := t.TempDir()
	conf := "[Main]\ngroupsdir: $CFGDIR/sources\n"
	if err := os.WriteFile(filepath.Join(dir, "groups.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sources"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources", "old.conf"), []byte("[old]\nmap: echo n-$GROUP\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, groups.Options{ClusterShellDirs: []string{dir}})
	got, err := r.Expand(context.Background(), "@g")
	if err != nil || strings.Join(got, " ") != "n-g" {
		t.Errorf("@g = %q, %v", got, err)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, file, content string
		opts                func(path string) groups.Options
		want                string
	}{
		{"ini section", "inv", "[web\nh1\n", inv, "inv:1: bad section header"},
		{"ini kind", "inv", "[web:hosts]\n", inv, "want :children or :vars"},
		{"ini var", "inv", "[web]\nh1 port\n", inv, "inv:2: host h1: want NAME=VALUE"},
		{"ini range", "inv", "[web]\nh[1:x]\n", inv, "bad range"},
		{"yaml key", "inv.yml", "all:\n  host:\n    h1:\n", inv, "unknown key \"host\""},
		{"group file", "g.yaml", "web: {a: b}\n", groupFile, "g.yaml:1: group web: want a host list"},
		{"conf", "groups.conf", "map: x\n", clush, "setting before any [section]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := groups.New(context.Background(), tt.opts(path))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func inv(path string) groups.Options {
	return groups.Options{NoClusterShell: true, Inventories: []string{path}}
}

func groupFile(path string) groups.Options {
	return groups.Options{NoClusterShell: true, GroupFiles: []string{path}}
}

func clush(path string) groups.Options {
	return groups.Options{ClusterShellDirs: []string{filepath.Dir(path)}}
}
