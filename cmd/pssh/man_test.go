package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManPages writes the manual pages: pssh.1 holds the flags of a run,
// and each subcommand has a page with its own.
func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	r := runIn(testStreams(""), "man", dir)
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	for page, want := range map[string][]string{
		"pssh.1": {"--hosts", `--host-glob`, "--par", "--timeout", "--inline", "--gather",
			`--known-hosts`, "--version", "Exit status", "hosts file, repeatable", "web[01-18,20] (19)"},
		"pssh-cp.1":      {"--recursive", "--scp", `--preserve-times`, "--hosts"},
		"pssh-slurp.1":   {"--recursive", "LOCALDIR/HOST/"},
		"pssh-nuke.1":    {"--sudo", "pkill"},
		"pssh-forward.1": {`--local-forward`, `--dynamic-forward`},
		"pssh-testbed.1": {"--dir"},
		"pssh-man.1":     {"DIR"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Error(err)
			continue
		}
		text := string(b)
		if !strings.HasPrefix(text, ".nh\n.TH ") && !strings.Contains(text, ".TH ") {
			t.Errorf("%s is not a manual page:\n%s", page, text)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", page, w, text)
			}
		}
	}
	if r := runIn(testStreams(""), "man"); r.code != exitUsage {
		t.Errorf("man without DIR: exit %d", r.code)
	}
}
