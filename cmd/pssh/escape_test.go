package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// hostileBed starts one server whose commands all answer with handler.
func hostileBed(t *testing.T, handler sshtest.Handler) *bed {
	t.Helper()
	fleet, err := startFleet(1, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{clientKey(t).PublicKey()}, Handler: handler})
	if err != nil {
		t.Fatal(err)
	}
	return bedFor(t, fleet)
}

// forgedSignal is an exit-signal name a hostile server sends: a newline
// and a fake status line, and an escape sequence that sets the terminal's
// title.
const forgedSignal = "KILL\n[7] 00:00:00 [SUCCESS] forged\x1b]0;title\x07"

// TestServerTextInPsshLines: a server-chosen string inside pssh's own
// lines (here a signal name in the status line, -b's failure lines and
// the summary) is escaped whether or not stdout is a terminal, so it can
// add no line and send no escape sequence; --json keeps it exact.
func TestServerTextInPsshLines(t *testing.T) {
	b := hostileBed(t, sshtest.Output([]byte("out\n"), nil, sshtest.Exit{Signal: forgedSignal}))
	host := b.hosts()[0]
	escaped := `killed by signal KILL\n[7] 00:00:00 [SUCCESS] forged\x1b]0;title\a`
	for _, tc := range []struct {
		view     []string
		out, err string // an escaped line each must hold
	}{
		{nil, "[FAILURE] " + host + " " + escaped + "\n", ""},
		{[]string{"-i"}, "[FAILURE] " + host + " " + escaped + "\nout\n", ""},
		{[]string{"-P"}, "[FAILURE] " + host + " " + escaped + "\n", ""},
		{[]string{"-b"}, "", "pssh: " + host + ": " + escaped + "\n"},
	} {
		t.Run(strings.Join(append([]string{"view"}, tc.view...), " "), func(t *testing.T) {
			r := runPssh(t, append(append(b.flags(), tc.view...), "x")...)
			wantCode(t, r, 3)
			if !strings.Contains(r.stdout, tc.out) || !strings.Contains(r.stderr, tc.err) {
				t.Errorf("want %q on stdout and %q on stderr:\nstdout %q\nstderr %q", tc.out, tc.err, r.stdout, r.stderr)
			}
			for _, l := range lines(r.stdout + r.stderr) {
				if strings.HasPrefix(l, "[7]") || strings.ContainsAny(l, "\x1b\x07") {
					t.Errorf("forged line or escape sequence %q:\nstdout %q\nstderr %q", l, r.stdout, r.stderr)
				}
			}
		})
	}

	// On a terminal, the summary too.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")
	ios := testStreams("")
	ios.stdoutTTY, ios.stderrTTY = true, true
	r := runIn(ios, append(b.flags(), "x")...)
	wantCode(t, r, 3)
	if strings.Contains(r.stdout+r.stderr, "forged\x1b") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("on a terminal:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}

	// --json: the exact name, JSON-escaped.
	r = runPssh(t, append(b.flags(), "--json", "x")...)
	var j struct{ Signal string }
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Signal != forgedSignal || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--json: signal %q (%v) in %q", j.Signal, err, r.stdout)
	}
}

// TestHugeSignalName: a status line quotes at most a few hundred bytes of
// a server's signal name.
func TestHugeSignalName(t *testing.T) {
	name := strings.Repeat("X", 200<<10)
	b := hostileBed(t, sshtest.Output(nil, nil, sshtest.Exit{Signal: name}))
	r := runPssh(t, append(b.flags(), "x")...)
	wantCode(t, r, 3)
	if len(r.stdout) > 600 || !strings.Contains(r.stdout, "killed by signal XXXX") {
		t.Errorf("%d bytes of status line: %.200q", len(r.stdout), r.stdout)
	}
}

// hostileOutput is what a hostile host prints: a line that returns the
// cursor and writes a forged -P line over its own, a window title, and
// on stderr a screen clear.
const (
	hostileStdout = "ok\r\nx\r127.0.0.9: [SUCCESS] forged\n\x1b]0;pwned\x07title\n\xc2\x9b2J\n"
	hostileStderr = "err\x1b[2J\n"
)

// TestOutputEscapedOnTerminal: on a terminal, a host's output is shown
// escaped in every view (-P, -i, -b), CR LF line ends and all else intact;
// --raw passes it as it is; to a pipe, an -o file or --json it is exact.
func TestOutputEscapedOnTerminal(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // not this machine's ~/.ssh/config
	t.Setenv("SSH_AUTH_SOCK", "")
	b := hostileBed(t, sshtest.Output([]byte(hostileStdout), []byte(hostileStderr), sshtest.Exit{}))
	host := b.hosts()[0]
	const (
		escapedOut = `ok` + "\r\n" + `x\r127.0.0.9: [SUCCESS] forged` + "\n" + `\x1b]0;pwned\atitle` + "\n" + `\u009b2J` + "\n"
		escapedErr = `err\x1b[2J` + "\n"
	)
	prefixed := func(host, text string) string {
		return host + ": " + strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n"+host+": ") + "\n"
	}
	unsafe := regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{80}-\x{9f}]|\r([^\n]|$)`)
	for _, tc := range []struct {
		name     string
		args     []string
		terminal bool
		out, err string // what stdout and stderr must hold
	}{
		{"-P", []string{"-P"}, true, prefixed(host, escapedOut), prefixed(host, escapedErr)},
		{"-i", []string{"-i"}, true, "\n" + escapedOut + "Stderr: " + escapedErr, ""},
		{"-b", []string{"-b"}, true, "-\n" + escapedOut, "-\n" + escapedErr},
		{"-P --raw", []string{"-P", "--raw"}, true, prefixed(host, hostileStdout), prefixed(host, hostileStderr)},
		{"-i --raw", []string{"-i", "--raw"}, true, "\n" + hostileStdout + "Stderr: " + hostileStderr, ""},
		{"-b --raw", []string{"-b", "--raw"}, true, "-\n" + hostileStdout, "-\n" + hostileStderr},
		{"-P to a pipe", []string{"-P"}, false, prefixed(host, hostileStdout), prefixed(host, hostileStderr)},
		{"-i to a pipe", []string{"-i"}, false, "\n" + hostileStdout + "Stderr: " + hostileStderr, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios := testStreams("")
			// Terminals without colour: the only escapes pssh writes are then
			// the host's.
			ios.stdoutTTY, ios.stderrTTY, ios.noColor = tc.terminal, tc.terminal, true
			r := runIn(ios, append(append(b.flags(), tc.args...), "x")...)
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, tc.out) || !strings.Contains(r.stderr, tc.err) {
				t.Errorf("want %q on stdout and %q on stderr:\nstdout %q\nstderr %q", tc.out, tc.err, r.stdout, r.stderr)
			}
			if tc.terminal && !slices.Contains(tc.args, "--raw") {
				if m := unsafe.FindString(r.stdout + r.stderr); m != "" {
					t.Errorf("%q reached the terminal:\nstdout %q\nstderr %q", m, r.stdout, r.stderr)
				}
			}
			if slices.Contains(tc.args, "-P") {
				for _, l := range lines(r.stdout + r.stderr) {
					if !strings.HasPrefix(l, host+": ") && !statusRE.MatchString(l) {
						t.Errorf("line %q without its host's prefix", l)
					}
				}
			}
		})
	}

	// -o, -e and --json keep the bytes exact, on a terminal too.
	dir := t.TempDir()
	ios := testStreams("")
	ios.stdoutTTY, ios.stderrTTY, ios.noColor = true, true, true
	r := runIn(ios, append(b.flags(), "--json", "-o", filepath.Join(dir, "out"), "-e", filepath.Join(dir, "err"), "x")...)
	wantCode(t, r, 0)
	var j struct{ Stdout, Stderr string }
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Stdout != hostileStdout || j.Stderr != hostileStderr {
		t.Errorf("--json %q: %+v %v", r.stdout, j, err)
	}
	if m := unsafe.FindString(r.stdout); m != "" {
		t.Errorf("--json wrote %q as it is: %q", m, r.stdout)
	}
	for sub, want := range map[string]string{"out": hostileStdout, "err": hostileStderr} {
		if got, err := os.ReadFile(filepath.Join(dir, sub, host)); err != nil || string(got) != want {
			t.Errorf("-%c file %q %v, want %q", sub[0], got, err, want)
		}
	}
}

// TestHugeKexInitBounded: a server offering 200 KB of key exchange
// algorithms fails its host with a status line, a -v line and a --json
// error text of bounded size.
func TestHugeKexInitBounded(t *testing.T) {
	fleet, err := startFleet(1, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{clientKey(t).PublicKey()},
		Faults: sshtest.Faults{HugeKexInit: 200 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	b := bedFor(t, fleet)
	r := runPssh(t, append(b.flags(), "-v", "true")...)
	wantCode(t, r, 4)
	if len(r.stdout) > 500 || len(r.stderr) > 1300 || !strings.Contains(r.stdout, "kex-0@sshtest.invalid") {
		t.Errorf("%d bytes of status line, %d of -v line:\n%.600s\n%.1300s", len(r.stdout), len(r.stderr), r.stdout, r.stderr)
	}
	r = runPssh(t, append(b.flags(), "--json", "true")...)
	var j struct{ Error struct{ Kind, Text string } }
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Error.Kind != "connection" || len(j.Error.Text) > 1200 {
		t.Errorf("--json error %q, %d bytes of text (%v)", j.Error.Kind, len(j.Error.Text), err)
	}
}
