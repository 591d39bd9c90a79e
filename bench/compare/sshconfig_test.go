package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testFleet() fleet {
	var ips []string
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"} {
		ips = append(ips, "127.0.0."+d)
	}
	return fleet{ips: ips, port: 2222, user: "pssh-test", identityFile: "/k/id", knownHostsFile: "/k/known_hosts", connectTimeout: 30}
}

func TestFleetIP(t *testing.T) {
	f := testFleet()
	for _, tc := range []struct {
		i    int
		want string
	}{
		{0, "127.0.0.1"}, {9, "127.0.0.10"}, {10, "127.0.0.1"}, {17, "127.0.0.8"}, {999, "127.0.0.10"},
	} {
		if got := f.ip(tc.i); got != tc.want {
			t.Errorf("ip(%d) = %s, want %s", tc.i, got, tc.want)
		}
	}
}

func TestSSHConfig(t *testing.T) {
	cfg := testFleet().sshConfig(12)
	for _, want := range []string{
		"Host h0\n\tHostName 127.0.0.1\n",
		"Host h11\n\tHostName 127.0.0.2\n",
		"\tPort 2222\n", "\tUser pssh-test\n", "\tIdentityFile /k/id\n",
		"\tUserKnownHostsFile /k/known_hosts\n", "\tStrictHostKeyChecking yes\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("ssh_config lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "Host h12\n") {
		t.Errorf("ssh_config names h12 for 12 hosts")
	}
	// The per-host blocks come before "Host *", whose values would
	// otherwise win.
	if strings.Index(cfg, "Host *") < strings.Index(cfg, "Host h11\n") {
		t.Errorf("Host * comes before a host's block:\n%s", cfg)
	}
}

// TestSSHConfigOpenSSH asks OpenSSH (ssh -G) what it makes of the file.
func TestSSHConfigOpenSSH(t *testing.T) {
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("ssh not installed")
	}
	path := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(path, []byte(testFleet().sshConfig(20)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, hostname string }{
		{"h0", "127.0.0.1"}, {"h17", "127.0.0.8"}, {"h19", "127.0.0.10"},
	} {
		out, err := exec.Command(ssh, "-G", "-F", path, tc.host).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh -G %s: %v\n%s", tc.host, err, out)
		}
		got := string(out)
		for _, want := range []string{
			"hostname " + tc.hostname + "\n", "port 2222\n", "user pssh-test\n",
			"identityfile /k/id\n", "userknownhostsfile /k/known_hosts\n", "stricthostkeychecking true\n",
			"batchmode yes\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("ssh -G %s lacks %q", tc.host, want)
			}
		}
	}
}

func TestHostsFiles(t *testing.T) {
	if got, want := hostsFile(3), "h0\nh1\nh2\n"; got != want {
		t.Errorf("hostsFile(3) = %q, want %q", got, want)
	}
	if got, want := testFleet().addrFile(2), "h0 127.0.0.1\nh1 127.0.0.2\n"; got != want {
		t.Errorf("addrFile(2) = %q, want %q", got, want)
	}
}
