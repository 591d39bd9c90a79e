package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/opensshd"
)

// type sends keys to the terminal pssh runs on.
func (p *ptyRun) typeKeys(t *testing.T, keys string) {
	t.Helper()
	if _, err := p.tty.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}

// accepts counts the TCP connections sshd accepted, from its log.
func accepts(s *opensshd.Server) int { return strings.Count(s.Log(), "Connection from ") }

// TestInteractiveOpenSSH drives an interactive session through a terminal
// against a real sshd: commands run on every host over the connections the
// first one opened (sshd's log counts the TCP accepts), output is gathered
// or not, hosts are removed and added, history recalls a line, and Ctrl-C
// stops a command on every host without leaving the session.
func TestInteractiveOpenSSH(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	user, _ := opensshd.EnsureTestUser(t) // not root: sshd honours signals
	hosts := fmt.Sprintf("%s@127.0.0.[1-2]:%d", user, s.Port)
	h1, h2 := fmt.Sprintf("127.0.0.1:%d", s.Port), fmt.Sprintf("127.0.0.2:%d", s.Port)
	both := fmt.Sprintf("127.0.0.[1-2]:%d", s.Port)
	p := startPty(t, []string{"NO_COLOR=1", "HOME=" + t.TempDir()},
		"-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile="+s.KnownHostsFile, "-t", "0", "--interactive")
	prompts := 1
	prompt := func() {
		t.Helper()
		p.waitFor(t, "pssh> ", prompts)
		prompts++
	}
	prompt()
	// lines types each line, Enter after each, and waits for the prompts.
	lines := func(ls ...string) {
		t.Helper()
		for _, l := range ls {
			p.typeKeys(t, l+"\r")
			prompt()
		}
	}
	// sshd's readiness probes were accepted too; pssh connects on the
	// first command.
	base := accepts(s)
	if want := "pssh: interactive on " + both + " (2)"; !strings.Contains(p.output(), want) {
		t.Errorf("no %q:\n%q", want, p.output())
	}

	p.typeKeys(t, "echo one $PSSH_NODENUM | cut -c1-3\r")
	prompt()
	out := p.output()
	for _, want := range []string{both + " (2)\r\n", "\r\none\r\n", "pssh: " + both + ": exited 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("first command: no %q:\n%q", want, out)
		}
	}
	if n := accepts(s) - base; n != 2 {
		t.Errorf("%d connections after the first command, want 2", n)
	}

	p.typeKeys(t, "echo two; exit 3\r")
	prompt()
	if out := p.output(); !strings.Contains(out, "\r\ntwo\r\n") || !strings.Contains(out, "pssh: "+both+": exited 3") {
		t.Errorf("second command:\n%q", out)
	}
	if n := accepts(s) - base; n != 2 {
		t.Errorf("%d connections after the second command, want still 2", n)
	}

	// History: up arrow, enter runs "echo two; exit 3" again.
	p.typeKeys(t, "\x1b[A\r")
	prompt()
	if n := strings.Count(p.output(), "pssh: "+both+": exited 3"); n != 2 {
		t.Errorf("the recalled line ran %d times, want 2:\n%q", n, p.output())
	}

	// Ctrl-C at the prompt clears the line; Ctrl-C during a command stops
	// it on every host, and the session goes on.
	p.typeKeys(t, "echo never\x03:gather off\r")
	prompt()
	begin := time.Now()
	p.typeKeys(t, "echo started; sleep 60\r")
	p.waitFor(t, h1+": started", 1)
	p.waitFor(t, h2+": started", 1)
	p.typeKeys(t, "\x03")
	prompt()
	if d := time.Since(begin); d > 30*time.Second {
		t.Errorf("Ctrl-C took %v to stop the command", d)
	}
	out = p.output()
	if strings.Contains(out, "\r\nnever\r\n") || !strings.Contains(out, "interrupted: the command was stopped on every host") ||
		strings.Count(out, "[FAILURE]") != 2 {
		t.Errorf("Ctrl-C:\n%q", out)
	}

	lines(":remove 127.0.0.2", ":hosts", "echo alone")
	out = p.output()
	if !strings.Contains(out, "removed 1; hosts: "+h1+" (1)") || !strings.Contains(out, h1+": alone") || strings.Contains(out, h2+": alone") {
		t.Errorf(":remove:\n%q", out)
	}
	lines(":add "+user+"@"+h2, ":gather on", "echo back")
	out = p.output()
	if !strings.Contains(out, "added 1; hosts: "+both+" (2)") || !strings.Contains(out, both+" (2)\r\n-") {
		t.Errorf(":add:\n%q", out)
	}
	if n := accepts(s) - base; n != 2 {
		t.Errorf("%d connections after Ctrl-C, :remove and :add, want still 2", n)
	}

	p.typeKeys(t, ":quit\r")
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	t.Logf("session:\n%s", strings.ReplaceAll(p.output(), "\r\n", "\n"))
}

// TestInteractiveWithoutCommand starts pssh without a command on a
// terminal: the prompt comes, and Ctrl-D leaves.
func TestInteractiveWithoutCommand(t *testing.T) {
	b := newBed(t, 3)
	p := startPty(t, []string{"NO_COLOR=1"}, b.flags()...)
	p.waitFor(t, "pssh> ", 1)
	p.typeKeys(t, ":hosts\r")
	p.waitFor(t, "pssh> ", 2)
	p.typeKeys(t, "\x04")
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if want := fmt.Sprintf("127.0.0.[1-3]:%d (3)", b.port); !strings.Contains(p.output(), want) {
		t.Errorf("no %q:\n%q", want, p.output())
	}
}

// TestInteractivePiped feeds --interactive its lines from a pipe: no
// prompt, the same output.
func TestInteractivePiped(t *testing.T) {
	b := newBed(t, 2)
	r := psshIn(t, "echo hi\n:gather off\necho $PSSH_NODENUM\n:nope\n:quit\necho never\n", append(b.flags(), "--interactive")...)
	wantCode(t, r, 0)
	h := b.hosts()
	for _, want := range []string{"hi\n", "gather off\n", h[0] + ": 0\n", h[1] + ": 1\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "pssh> ") || strings.Contains(r.stdout, "never") || !strings.Contains(r.stderr, "unknown command :nope") {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"--interactive", "uptime"}, {"--interactive", "-I"}, {"--interactive", "--batch", "1"}} {
		r := runPssh(t, append(b.flags(), args...)...)
		wantCode(t, r, exitUsage)
	}
}
