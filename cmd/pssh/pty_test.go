package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyRun is pssh running on a pseudo-terminal, as a person would see it.
type ptyRun struct {
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  strings.Builder
	more chan struct{} // signalled after each read
	eof  chan struct{} // closed when the terminal has no more output
}

func startPty(t *testing.T, env []string, args ...string) *ptyRun {
	t.Helper()
	return startPtySize(t, 200, env, args...)
}

// startPtySize is startPty on a terminal cols columns wide.
func startPtySize(t *testing.T, cols uint16, env []string, args ...string) *ptyRun {
	t.Helper()
	cmd := exec.Command(psshBin, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	for _, e := range env {
		cmd.Env = append(cmd.Env, e)
	}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyRun{cmd: cmd, tty: tty, more: make(chan struct{}, 1), eof: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.eof
		tty.Close()
	})
	go func() {
		defer close(p.eof)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *ptyRun) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor waits until the output holds want n times.
func (p *ptyRun) waitFor(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for strings.Count(p.output(), want) < n {
		select {
		case <-p.more:
		case <-p.eof:
			if strings.Count(p.output(), want) >= n {
				return
			}
			t.Fatalf("pssh ended before printing %q %d times:\n%q", want, n, p.output())
		case <-deadline.C:
			t.Fatalf("no %q after a minute:\n%q", want, p.output())
		}
	}
}

// wait waits for pssh to exit and returns its exit status.
func (p *ptyRun) wait(t *testing.T) int {
	t.Helper()
	<-p.eof
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestTerminalColourProgressSummary(t *testing.T) {
	b := newBed(t, 3)
	p := startPty(t, []string{"NO_COLOR="}, append(b.flags(), "-H", "127.0.0.1:1", "true")...)
	if code := p.wait(t); code != 4 {
		t.Errorf("exit status %d, want 4", code)
	}
	out := p.output()
	for _, want := range []string{
		green + "[SUCCESS]" + reset,
		red + "[FAILURE]" + reset + " 127.0.0.1:1 connection refused",
		"[pssh] ",  // the progress line
		"\r\033[K", // erased before the next line
		"pssh: 4 hosts in ",
		green + "3 succeeded" + reset,
		red + "1 failed" + reset,
		"pssh: failed: 127.0.0.1:1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
}

func TestTerminalNoColor(t *testing.T) {
	b := newBed(t, 2)
	p := startPty(t, []string{"NO_COLOR=1"}, append(b.flags(), "true")...)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	out := p.output()
	if strings.Contains(out, "\033") || strings.Contains(out, "[pssh]") || strings.Contains(out, "succeeded") {
		t.Errorf("NO_COLOR output has colour, progress or summary:\n%q", out)
	}
	if strings.Count(out, "[SUCCESS]") != 2 {
		t.Errorf("output:\n%q", out)
	}
}

// TestCtrlC interrupts a run with ^C typed on the terminal: the hosts are
// stopped, what they printed is shown, the summary says they were killed,
// and pssh exits 3 at once.
func TestCtrlC(t *testing.T) {
	b := newBed(t, 3)
	begin := time.Now()
	p := startPty(t, []string{"NO_COLOR="}, append(b.flags(), "-t", "0", "-P", "echo started; sleep 60")...)
	p.waitFor(t, ": started", 3)
	if _, err := p.tty.Write([]byte{3}); err != nil { // ^C
		t.Fatal(err)
	}
	code := p.wait(t)
	if code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	if d := time.Since(begin); d > 30*time.Second {
		t.Errorf("took %v to stop", d)
	}
	out := p.output()
	for _, want := range []string{"pssh: interrupted", "0 succeeded", "3 timed out or killed", "interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if strings.Count(out, "[FAILURE]") != 3 {
		t.Errorf("want 3 FAILURE lines:\n%q", out)
	}
}
