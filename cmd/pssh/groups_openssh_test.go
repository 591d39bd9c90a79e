package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

// sshdBed is a real sshd on 127.0.0.1-3 and the flags that log in to it.
type sshdBed struct {
	port int
	user string
	auth []string // --key and known_hosts, no host
}

func startSSHDBed(t *testing.T) *sshdBed {
	t.Helper()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}})
	user, _ := opensshd.EnsureTestUser(t) // a /bin/sh user: root's shell start-up is slow here
	return &sshdBed{port: s.Port, user: user, auth: []string{"--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile}}
}

// writeFiles writes files (relative name: content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// sortedKeys returns the hosts of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOpenSSHGroups runs pssh on groups from real ClusterShell files (a
// groups.conf with a command source and a YAML autodir file) and Ansible
// inventories (INI and YAML, with ansible_host, ansible_port and
// ansible_user per host), against a real sshd.
func TestOpenSSHGroups(t *testing.T) {
	b := startSSHDBed(t)
	at := func(n int) string { return fmt.Sprintf("%s@127.0.0.%d:%d", b.user, n, b.port) }
	cfg := t.TempDir()
	writeFiles(t, cfg, map[string]string{
		"groups.conf": "[Main]\ndefault: site\nautodir: $CFGDIR/groups.d\n\n" +
			"[lab]\nmap: awk -v g=\"$GROUP\" '$1 == g { $1 = \"\"; print }' lab.txt\nlist: cut -d' ' -f1 lab.txt\n",
		"lab.txt": fmt.Sprintf("pair %s %s\nlast %s\n", at(1), at(2), at(3)),
		"groups.d/site.yaml": fmt.Sprintf("site:\n  web: '%s@127.0.0.[1-2]:%d'\n  db: '%s'\n  all: '@web,@db'\n",
			b.user, b.port, at(3)),
	})
	inv := t.TempDir()
	writeFiles(t, inv, map[string]string{
		"hosts.ini": fmt.Sprintf("[web]\nalpha ansible_host=127.0.0.1\nbeta ansible_host=127.0.0.2\n\n"+
			"[db]\ngamma ansible_host=127.0.0.3 ansible_port=%d\n\n[all:vars]\nansible_port=1\nansible_user=%s\n", b.port, b.user),
		"hosts.yml": fmt.Sprintf("all:\n  vars:\n    ansible_user: %s\n    ansible_port: %d\n  children:\n    edge:\n      hosts:\n        delta:\n          ansible_host: 127.0.0.2\n", b.user, b.port),
		"more.yaml": "front: ['@ansible:edge', 'delta']\n",
	})
	// The web hosts of the INI inventory take all's port, 1, which nothing
	// listens on: --port cannot beat it, but a port in -H's entry can.
	env := []string{"CLUSTERSHELL_CFGDIR=" + cfg, "XDG_CONFIG_HOME=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir()}
	hostsFile := filepath.Join(inv, "hosts.txt")
	writeFiles(t, inv, map[string]string{"hosts.txt": "@site:all  # every host\n!@db\n"})

	tests := []struct {
		name string
		args []string
		want map[string]string // host: its address, user@addr
	}{
		{"clush default source", []string{"-H", "@all!@db"}, map[string]string{at(1): at(1), at(2): at(2)}},
		{"clush command source", []string{"-H", "@lab:pair,@lab:last", "--exclude", "@lab:pair"}, map[string]string{at(3): at(3)}},
		{"hosts file with groups", []string{"-h", hostsFile}, map[string]string{at(1): at(1), at(2): at(2)}},
		// The inventory's @db, not ClusterShell's: named files come first.
		{"ansible ini", []string{"--inventory", filepath.Join(inv, "hosts.ini"), "-H", "@db,alpha:" + itoa(b.port)}, map[string]string{
			"gamma": at(3), "alpha:" + itoa(b.port): at(1)}},
		{"ansible yaml and a group file", []string{"--inventory", filepath.Join(inv, "hosts.yml"), "--groups", filepath.Join(inv, "more.yaml"), "-H", "@front"}, map[string]string{
			"delta": at(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append(slices.Clone(b.auth), tt.args...), "--json", "true")
			r := psshEnv(t, env, "", args...)
			wantCode(t, r, 0)
			got := map[string]string{}
			for _, j := range jsonLines(t, r.stdout) { // by address, each one host here
				got[j.Host] = j.User + "@" + j.Addr
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("hosts run:\n got %v\nwant %v", got, tt.want)
			}
		})
	}

	t.Run("ansible port beats --port", func(t *testing.T) {
		args := append(slices.Clone(b.auth), "--inventory", filepath.Join(inv, "hosts.ini"), "--port", itoa(b.port), "-H", "@ansible:web", "--json", "true")
		r := psshEnv(t, env, "", args...)
		wantCode(t, r, 4)
		got := jsonLines(t, r.stdout)
		for _, j := range got {
			if !strings.HasSuffix(j.Addr, ":1") || j.Error == nil || j.Error.Kind != "connection" {
				t.Errorf("%s: %+v", j.Host, j)
			}
		}
		if len(got) != 2 {
			t.Errorf("%d hosts, want web's 2:\n%s", len(got), r.stdout)
		}
	})

	t.Run("pssh groups", func(t *testing.T) {
		r := psshEnv(t, env, "", "groups", "--inventory", filepath.Join(inv, "hosts.ini"))
		wantCode(t, r, 0)
		for _, want := range []string{"last (@name):\n  failed\n  succeeded\n  unreached\n", "site (@name):\n  all\n  db\n  web\n",
			"lab (@source:name):\n  last\n  pair\n", "ansible (@name):\n  all\n  db\n  web\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("no %q in\n%s", want, r.stdout)
			}
		}
		r = psshEnv(t, env, "", "groups", "-f", "web", "@lab:pair")
		wantCode(t, r, 0)
		want := fmt.Sprintf("%[1]s@127.0.0.[1-2]:%[2]d\n%[1]s@127.0.0.[1-2]:%[2]d\n", b.user, b.port)
		if r.stdout != want {
			t.Errorf("groups -f: %q, want %q", r.stdout, want)
		}
		r = psshEnv(t, env, "", "groups", "@nosuch")
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, "unknown group @nosuch") {
			t.Errorf("stderr: %s", r.stderr)
		}
	})
}

// TestOpenSSHRetryFailed: a run records its failed and unreached hosts,
// privately and without the command; --retry-failed then runs on exactly
// those, and each retry narrows them down.
func TestOpenSSHRetryFailed(t *testing.T) {
	b := startSSHDBed(t)
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state, "CLUSTERSHELL_CFGDIR=", "XDG_CONFIG_HOME=" + t.TempDir()}
	// 127.0.0.4 has no sshd: unreached. 127.0.0.2 fails the command while
	// the file "fail" exists, in a directory the test user can read.
	dir, err := os.MkdirTemp("", "pssh-retry-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	failFile := filepath.Join(dir, "fail")
	writeFiles(t, dir, map[string]string{"fail": ""})
	cmd := fmt.Sprintf(`set -- $SSH_CONNECTION; if [ "$3" = 127.0.0.2 ] && [ -e %s ]; then exit 3; fi; echo SECRET-TOKEN >/dev/null`, failFile)
	hosts := fmt.Sprintf("%s@127.0.0.[1-4]:%d", b.user, b.port)
	failedTo := filepath.Join(t.TempDir(), "failed.txt")
	name := func(n int) string { return fmt.Sprintf("127.0.0.%d:%d", n, b.port) }
	entry := func(n int) string { return fmt.Sprintf("%s@127.0.0.%d:%d", b.user, n, b.port) }

	r := psshEnv(t, env, "", append(slices.Clone(b.auth), "-H", hosts, "--failed-to", failedTo, cmd)...)
	wantCode(t, r, 4)
	if got := sortedKeys(statuses(t, r.stdout)); len(got) != 4 {
		t.Fatalf("hosts run: %v", got)
	}

	// The record: hosts only, private.
	path := filepath.Join(state, "pssh", "last-run.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lr lastRun
	if err := json.Unmarshal(data, &lr); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lr.Failed, lr.Unreached) != fmt.Sprint([]string{entry(2)}, []string{entry(4)}) ||
		len(lr.Succeeded) != 2 || strings.Contains(string(data), "SECRET") {
		t.Errorf("recorded:\n%s", data)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir, failedTo: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != mode {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, mode)
		}
	}
	if got, _ := os.ReadFile(failedTo); string(got) != entry(2)+"\n"+entry(4)+"\n" {
		t.Errorf("--failed-to file: %q", got)
	}
	r = psshEnv(t, env, "", "groups", "failed", "succeeded")
	if wantCode(t, r, 0); r.stdout != strings.Join([]string{entry(2), entry(4), entry(1), entry(3)}, "\n")+"\n" {
		t.Errorf("pssh groups failed succeeded:\n%s", r.stdout)
	}

	// The retry: exactly the failed hosts. 127.0.0.2 now succeeds.
	os.Remove(failFile)
	r = psshEnv(t, env, "", append(slices.Clone(b.auth), "--retry-failed", cmd)...)
	wantCode(t, r, 4)
	st := statuses(t, r.stdout)
	if got := sortedKeys(st); fmt.Sprint(got) != fmt.Sprint([]string{name(2), name(4)}) || !st[name(2)].ok || st[name(4)].ok {
		t.Fatalf("retry ran on %v:\n%s", got, r.stdout)
	}
	// Again: only the unreached host is left; -H @failed is the same.
	r = psshEnv(t, env, "", append(slices.Clone(b.auth), "-H", "@failed", cmd)...)
	wantCode(t, r, 4)
	if got := sortedKeys(statuses(t, r.stdout)); fmt.Sprint(got) != fmt.Sprint([]string{name(4)}) {
		t.Fatalf("second retry ran on %v", got)
	}
	// Once nothing failed, --retry-failed says so.
	r = psshEnv(t, env, "", append(slices.Clone(b.auth), "-H", entry(1), cmd)...)
	wantCode(t, r, 0)
	r = psshEnv(t, env, "", append(slices.Clone(b.auth), "--retry-failed", cmd)...)
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "--retry-failed: no host failed in the last run") {
		t.Errorf("stderr: %s", r.stderr)
	}
}
