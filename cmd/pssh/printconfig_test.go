package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSSHConfigMatchExecRun: a Match exec block in the ssh_config file
// does not stop the run (it made every run exit 1 before any host); the
// block applies to the hosts whose command succeeds.
func TestSSHConfigMatchExecRun(t *testing.T) {
	b := newBed(t, 2)
	config := fmt.Sprintf("Host alias*\n  IdentityFile %s\n  UserKnownHostsFile %s\n  HostName 127.0.0.1\n"+
		"Match exec \"test %%n = alias1\"\n  Port %d\nMatch exec \"exit 1\"\n  Port 1\n", b.keyFile, b.known, b.port)
	file := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, "-F", file, "-H", "alias1", "echo", "hi")
	wantCode(t, r, 0)
	if st := statuses(t, r.stdout); !st["alias1"].ok {
		t.Errorf("alias1: %+v\n%s%s", st["alias1"], r.stdout, r.stderr)
	}
}

// TestPrintConfig: pssh -G prints, for each host, the settings resolved,
// in ssh -G's format; where ssh_config decides, they are ssh -G's own. A
// keyword pssh does not apply is noted once under -v, never an error.
func TestPrintConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ssh_config")
	config := "Host web1\n  HostName 127.0.0.7\n  Port 2201\n  HostKeyAlias Web1Key\n  ControlMaster auto\n" +
		"Match exec \"test %h = db1\"\n  User fromexec\n  ForwardX11 yes\n" +
		"Host *\n  User deploy\n  ControlMaster no\n  IdentityFile ~/.ssh/id_deploy\n  StrictHostKeyChecking accept-new\n  ProxyJump none\n"
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, "-G", "-F", file, "-v", "web1", "db1")
	wantCode(t, r, 0)
	hosts := map[string]map[string]string{}
	var cur string
	for line := range strings.Lines(r.stdout) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		if k == "host" {
			cur = v
			hosts[cur] = map[string]string{}
		}
		if cur == "" {
			t.Fatalf("line %q before any host", line)
		}
		hosts[cur][k] = strings.TrimSpace(hosts[cur][k] + " " + v)
	}
	for _, tt := range []struct{ host, key, want string }{
		{"web1", "hostname", "127.0.0.7"}, {"web1", "port", "2201"}, {"web1", "user", "deploy"},
		{"web1", "hostkeyalias", "web1key"}, {"db1", "user", "fromexec"}, {"db1", "hostname", "db1"},
		{"web1", "stricthostkeychecking", "accept-new"}, {"db1", "identityfile", "~/.ssh/id_deploy"},
		{"db1", "connecttimeout", "10"},
	} {
		if got := hosts[tt.host][tt.key]; got != tt.want {
			t.Errorf("%s %s: %q, want %q\n%s", tt.host, tt.key, got, tt.want, r.stdout)
		}
	}
	for _, k := range []string{"ControlMaster", "ForwardX11"} {
		if n := strings.Count(r.stderr, k+" is not applied"); n != 1 {
			t.Errorf("stderr notes %s %d times, want once:\n%s", k, n, r.stderr)
		}
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh is missing")
		}
		return
	}
	for _, h := range []string{"web1", "db1"} {
		out, err := exec.Command("ssh", "-G", "-F", file, h).Output()
		if err != nil {
			t.Fatalf("ssh -G: %v", err)
		}
		for line := range strings.Lines(string(out)) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch k {
			case "user", "hostname", "port", "hostkeyalias", "stricthostkeychecking", "identitiesonly", "identityfile":
				if got := hosts[h][k]; got != v {
					t.Errorf("%s %s: pssh -G %q, ssh -G %q", h, k, got, v)
				}
			}
		}
	}
	// Without -v, no note.
	r = runPssh(t, "-G", "-F", file, "web1")
	if strings.Contains(r.stderr, "not applied") {
		t.Errorf("without -v: %q", r.stderr)
	}
}
