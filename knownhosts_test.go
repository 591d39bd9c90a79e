package pssh_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestKnownHostsFileMissing: a known_hosts file that does not exist is
// empty, as OpenSSH reads it: New succeeds, the host is unknown (refused
// under yes, recorded in the new file under accept-new).
func TestKnownHostsFileMissing(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	srv := fleet.Servers[0]
	cfg.HostKeyCallback = nil
	for _, policy := range policies {
		t.Run(policy.String(), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "not-yet", "known_hosts")
			cfg := *cfg
			cfg.KnownHostsFiles = []string{file}
			cfg.HostKeyPolicy = policy
			c, err := pssh.New(fleet.Addrs(), &cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer c.Close()
			_, err = c.Run(ctxT(t), "true", nil)
			checkPolicyOutcome(t, policy, knownHostsCases[0], err, srv.Addr, file, "", srv.HostKey)
		})
	}
}

// TestKnownHostsPerHost: each host is checked against the known_hosts
// files of its own ssh_config block. A malformed line in one of them is
// skipped with a warning naming the file and line (Client.Warnings, and a
// Warn record to HostLogHandler), never failing the run; a file that
// cannot be read fails only the host that uses it, with an error naming
// the file.
func TestKnownHostsPerHost(t *testing.T) {
	fleet, cfg := testFleet(t, 4, sshtest.Faults{})
	dir := t.TempDir()
	line := func(s *sshtest.Server) string { return knownhosts.Line([]string{s.Addr}, s.HostKey) }
	malformed := writeFile(t, "malformed", "web1 ssh-ed25519 illegal-base64!\n"+line(fleet.Servers[0])+"\n@bogus x y z\n")
	good := writeFile(t, "good", line(fleet.Servers[1])+"\n")
	// Nothing usable: x/crypto's reader refused such a file whole.
	onlyMalformed := writeFile(t, "only-malformed", "web2 ssh-rsa AAAA\n")
	unreadable := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, file := range []string{malformed, good, unreadable, onlyMalformed} {
		host, port, _ := net.SplitHostPort(fleet.Servers[i].Addr)
		fmt.Fprintf(&b, "Host h%d\n  HostName %s\n  Port %s\n  UserKnownHostsFile %s\n", i, host, port, file)
	}
	cfg.IgnoreSSHConfig, cfg.SSHConfigFile = false, writeFile(t, "ssh_config", b.String())
	cfg.HostKeyCallback = nil
	var logged bytes.Buffer
	cfg.HostLogHandler = slog.NewTextHandler(&logged, nil)
	c, err := pssh.New([]string{"h0", "h1", "h2", "h3"}, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	want := []pssh.Warning{{File: malformed, Line: 1}, {File: malformed, Line: 3}, {File: onlyMalformed, Line: 1}}
	got := c.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings %v, want lines 1 and 3 of %s and 1 of %s", got, malformed, onlyMalformed)
	}
	for i, w := range got {
		if w.File != want[i].File || w.Line != want[i].Line || w.Text == "" {
			t.Errorf("warning %v, want %s:%d", w, want[i].File, want[i].Line)
		}
		if !strings.Contains(logged.String(), fmt.Sprintf("level=WARN msg=\"pssh: warning: %s:%d: ", w.File, w.Line)) ||
			!strings.Contains(logged.String(), fmt.Sprintf(" file=%s line=%d\n", w.File, w.Line)) {
			t.Errorf("HostLogHandler did not get %v: %s", w, logged.String())
		}
	}
	outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	for i, o := range outs[:2] {
		if err := o.Err(); err != nil {
			t.Errorf("h%d: %v", i, err)
		}
	}
	var hk *pssh.HostKeyError
	if err := outs[2].Err(); !errors.As(err, &hk) || hk.Unknown || !slices.Equal(hk.Files, []string{unreadable}) ||
		!strings.Contains(err.Error(), unreadable) || strings.Count(err.Error(), "h2") != 1 {
		t.Errorf("h2: %v, want a *HostKeyError naming %s", err, unreadable)
	}
	if err := outs[3].Err(); !errors.As(err, &hk) || !hk.Unknown {
		t.Errorf("h3: %v, want an unknown host key", err)
	}
}

// TestDefaultKnownHostsFiles: the files read by default are OpenSSH's
// (ssh -G).
func TestDefaultKnownHostsFiles(t *testing.T) {
	requireCommand(t, "ssh")
	out, err := exec.Command("ssh", "-G", "-F", "/dev/null", "host.example").Output()
	if err != nil {
		t.Fatalf("ssh -G: %v", err)
	}
	user, global := pssh.DefaultKnownHostsFiles()
	home, _ := os.UserHomeDir()
	for l := range strings.Lines(string(out)) {
		f := strings.Fields(l)
		switch {
		case f[0] == "globalknownhostsfile" && !slices.Equal(f[1:], global):
			t.Errorf("global files %q, ssh -G says %q", global, f[1:])
		case f[0] == "userknownhostsfile" && !slices.Equal(f[1:], user) && strings.HasPrefix(f[1], home):
			t.Errorf("user files %q, ssh -G says %q", user, f[1:])
		}
	}
}

// TestGlobalKnownHostsFileFromSSHConfig: ssh_config's GlobalKnownHostsFile
// replaces the global half of the defaults for its hosts, as in ssh: a key
// only there is trusted, and a host whose global file lacks it is unknown.
func TestGlobalKnownHostsFileFromSSHConfig(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	dir := t.TempDir()
	global := writeFile(t, "global", knownhosts.Line([]string{fleet.Servers[0].Addr}, fleet.Servers[0].HostKey)+"\n")
	empty := filepath.Join(dir, "missing")
	var b strings.Builder
	for i, g := range []string{global, empty} {
		host, port, _ := net.SplitHostPort(fleet.Servers[i].Addr)
		fmt.Fprintf(&b, "Host h%d\n  HostName %s\n  Port %s\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile %s\n", i, host, port, empty, g)
	}
	cfg.IgnoreSSHConfig, cfg.SSHConfigFile = false, writeFile(t, "ssh_config", b.String())
	cfg.HostKeyCallback = nil
	c, err := pssh.New([]string{"h0", "h1"}, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	for i, g := range []string{global, empty} {
		var shown string
		for _, l := range c.ResolvedConfig(i) {
			if l.Keyword == "globalknownhostsfile" {
				shown = l.Value
			}
		}
		if shown != g {
			t.Errorf("h%d: ResolvedConfig globalknownhostsfile %q, want %q", i, shown, g)
		}
	}
	outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if err := outs[0].Err(); err != nil {
		t.Errorf("h0, known in its GlobalKnownHostsFile: %v", err)
	}
	var hk *pssh.HostKeyError
	if err := outs[1].Err(); !errors.As(err, &hk) || !hk.Unknown || !slices.Contains(hk.Files, empty) {
		t.Errorf("h1: %v, want an unknown host key searched in %s", err, empty)
	}
}
