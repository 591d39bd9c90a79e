package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

// TestSameHostOnce: entries that resolve to the same user@host:port (an
// alias, and the same alias with the user it resolves to) run once, -v
// noting the merged entry; with --allow-duplicates each runs and the
// status lines, --json, -o files and -b headers tell them apart (a host
// list is a set: the same entry twice takes two -H).
func TestSameHostOnce(t *testing.T) {
	key := clientKey(t)
	fleet, err := sshtest.NewFleetFunc(1, func(i int) sshtest.Config {
		return sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}, Handler: sshtest.Output([]byte("hello\n"), nil, sshtest.Exit{})}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	b := bedFor(t, fleet)
	host, port, _ := net.SplitHostPort(fleet.Servers[0].Addr)
	cfgFile := filepath.Join(b.dir, "ssh_config")
	writeFile(t, cfgFile, fmt.Sprintf("Host web1\n  HostName %s\n  Port %s\n  User tester\n  IdentityFile %s\n  UserKnownHostsFile %s\n", host, port, b.keyFile, b.known))
	target := "tester@" + fleet.Servers[0].Addr

	r := runPssh(t, "-F", cfgFile, "-v", "-H", "web1,tester@web1", "true")
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "[SUCCESS]"); n != 1 {
		t.Errorf("%d status lines, want 1:\n%s", n, r.stdout)
	}
	if want := "pssh: tester@web1 is the same host as web1 (" + target + "): run once"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q, want the note %q", r.stderr, want)
	}
	// Without -v, the merge is still said: one line for one entry, a count
	// for several, so that a host list never shrinks unnoticed.
	r = runPssh(t, "-F", cfgFile, "-H", "web1,tester@web1", "true")
	if want := "pssh: tester@web1 is the same host as web1: run once (--allow-duplicates runs each)\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	r = runPssh(t, "-F", cfgFile, "-H", "web1,tester@web1,web1:"+port, "true")
	if want := "pssh: 2 host entries are the same host as an earlier entry"; !strings.Contains(r.stderr, want) || strings.Count(r.stdout, "[SUCCESS]") != 1 {
		t.Errorf("stderr %q, want %q; stdout:\n%s", r.stderr, want, r.stdout)
	}

	out := t.TempDir()
	r = runPssh(t, "-F", cfgFile, "--allow-duplicates", "-H", "web1,tester@web1", "-H", "web1", "-o", out, "true")
	wantCode(t, r, 0)
	for _, label := range []string{"web1", "web1#2", "web1#3"} {
		if !strings.Contains(r.stdout, "[SUCCESS] "+label+"\n") {
			t.Errorf("no status line for %s:\n%s", label, r.stdout)
		}
		if data, err := os.ReadFile(filepath.Join(out, label)); err != nil || string(data) != "hello\n" {
			t.Errorf("-o file %s: %q, %v", label, data, err)
		}
	}

	r = runPssh(t, "-F", cfgFile, "--allow-duplicates", "--json", "-H", "web1,tester@web1", "true")
	wantCode(t, r, 0)
	var labels []string
	for line := range strings.Lines(r.stdout) {
		var j struct{ Host, Label string }
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		labels = append(labels, j.Host+"="+j.Label)
	}
	slices.Sort(labels)
	if want := []string{"tester@web1=web1#2", "web1=web1"}; !slices.Equal(labels, want) {
		t.Errorf("--json host=label %q, want %q", labels, want)
	}

	r = runPssh(t, "-F", cfgFile, "--allow-duplicates", "-b", "-H", "web1", "-H", "web1", "true")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "web1,web1#2") && !strings.Contains(r.stdout, "web1 web1#2") {
		t.Errorf("-b header does not list web1 and web1#2:\n%s", r.stdout)
	}
}
