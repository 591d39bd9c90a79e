package main

import (
	"strings"
	"testing"
)

// TestTerminalOverride runs pssh in the test process with its streams
// taken for terminals: colour, the progress line and the summary show as
// on a real terminal (pty_test.go), and NO_COLOR turns them off.
func TestTerminalOverride(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // not this machine's ~/.ssh/config
	t.Setenv("SSH_AUTH_SOCK", "")
	b := newBed(t, 3)
	args := append(b.flags(), "-H", "127.0.0.1:1", "true")

	ios := testStreams("")
	ios.stdoutTTY, ios.stderrTTY = true, true
	r := runIn(ios, args...)
	wantCode(t, r, 4)
	for _, want := range []string{
		green + "[SUCCESS]" + reset,
		red + "[FAILURE]" + reset + " 127.0.0.1:1 connection refused",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%q", want, r.stdout)
		}
	}
	for _, want := range []string{
		"[pssh] ",  // the progress line
		"\r\033[K", // erased before the next line
		"pssh: 4 hosts in ",
		green + "3 succeeded" + reset,
		red + "1 failed" + reset,
		"pssh: failed: 127.0.0.1:1",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%q", want, r.stderr)
		}
	}

	// Colour on stdout alone: the progress line and the summary are
	// stderr's.
	ios = testStreams("")
	ios.stdoutTTY = true
	r = runIn(ios, args...)
	if !strings.Contains(r.stdout, green+"[SUCCESS]"+reset) || strings.Contains(r.stderr, "[pssh]") || strings.Contains(r.stderr, "succeeded") {
		t.Errorf("stdout alone a terminal:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}

	for _, noColor := range []bool{false, true} {
		ios = testStreams("")
		ios.stdoutTTY, ios.stderrTTY, ios.noColor = noColor, noColor, noColor // a terminal only with NO_COLOR
		r = runIn(ios, args...)
		wantCode(t, r, 4)
		all := r.stdout + r.stderr
		if strings.Contains(all, "\033") || strings.Contains(all, "[pssh]") || strings.Contains(all, "succeeded") {
			t.Errorf("NO_COLOR %v or no terminal: colour, progress or summary:\n%q", noColor, all)
		}
		if strings.Count(r.stdout, "[SUCCESS]") != 3 {
			t.Errorf("stdout %q", r.stdout)
		}
	}
}
