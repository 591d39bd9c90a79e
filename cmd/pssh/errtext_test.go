package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh/sshtest"
)

// libraryWords are names of the library's fields and types, which the
// CLI's messages must not use.
var libraryWords = []string{"Config.", "RunOptions", "HostKeyPolicy", "HostKeyAcceptNew", "IgnoreSSHConfig", "ConnectTimeout", "HandshakeTimeout", "HostTimeout"}

func noLibraryWords(t *testing.T, what, text string) {
	t.Helper()
	for _, w := range libraryWords {
		if strings.Contains(text, w) {
			t.Errorf("%s names the library's %s: %q", what, w, text)
		}
	}
}

// TestHostKeyTexts: an unknown host key and a changed one read
// differently on their status lines, naming the file (and line) and what
// to do in pssh's flags; -v prints full errors in the same words, and
// without -v one line says how to see them.
func TestHostKeyTexts(t *testing.T) {
	b := newBed(t, 2)
	home := t.TempDir()
	known := filepath.Join(home, ".ssh", "known_hosts")
	other, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	changed, unknown := b.hosts()[0], b.hosts()[1]
	content := "# the first host, reinstalled since\n" + knownhosts.Line([]string{changed}, other.PublicKey()) + "\n"
	if err := os.MkdirAll(filepath.Dir(known), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(known, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-h", b.hostsFile, "--key", b.keyFile, "-l", "tester", "true"}
	env := []string{"HOME=" + home}

	r := psshEnv(t, env, "", args...)
	wantCode(t, r, exitConnect)
	st := statuses(t, r.stdout)
	want := map[string]string{
		changed: "host key CHANGED (~/.ssh/known_hosts:2) — possible man-in-the-middle",
		unknown: "unknown host key (not in ~/.ssh/known_hosts; --known-hosts accept-new trusts new hosts)",
	}
	for h, reason := range want {
		if st[h].reason != reason {
			t.Errorf("%s: %q, want %q", h, st[h].reason, reason)
		}
	}
	if r.stderr != "pssh: 2 hosts failed; -v prints the full errors\n" {
		t.Errorf("stderr without -v: %q", r.stderr)
	}

	r = psshEnv(t, env, "", append([]string{"-v"}, args...)...)
	wantCode(t, r, exitConnect)
	noLibraryWords(t, "-v", r.stderr)
	for _, s := range []string{
		unknown + ": unknown host key: not in ~/.ssh/known_hosts, ", "--known-hosts accept-new", ssh.FingerprintSHA256(b.fleet.Servers[1].HostKey),
		changed + ": HOST KEY CHANGED", "ssh-keygen -R", known + ":2: ",
	} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("-v does not say %q:\n%s", s, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "-v prints") {
		t.Errorf("the -v hint under -v:\n%s", r.stderr)
	}
}

// TestSSHConfigErrorText: an ssh_config error names the file and line, and
// the CLI's way to do without the file.
func TestSSHConfigErrorText(t *testing.T) {
	config := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(config, []byte("Host *\n  Port many\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, "-H", "h1", "-F", config, "true")
	wantCode(t, r, exitMisc)
	noLibraryWords(t, "the error", r.stderr)
	if !strings.Contains(r.stderr, config+":2: ") || !strings.Contains(r.stderr, "-F /dev/null") {
		t.Errorf("stderr: %q", r.stderr)
	}
}
