package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// stopBound is how long pssh may take to exit once a host's -t has passed
// or a signal came: the library's 3 seconds (interrupt grace, then the
// dropped connection's), and room for a loaded machine running the race
// detector.
const stopBound = 15 * time.Second

// psshRun is the pssh binary running, its stdout read line by line.
type psshRun struct {
	cmd    *exec.Cmd
	lines  chan string // stdout, closed at its end
	stderr bytes.Buffer
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startPssh starts pssh with args, without a terminal. stdout, if not nil,
// is its standard output instead of a pipe read into lines.
func startPssh(t *testing.T, stdout *os.File, args ...string) *psshRun {
	t.Helper()
	p := &psshRun{cmd: exec.Command(psshBin, args...), lines: make(chan string, 100), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir())
	p.cmd.Stderr = &p.stderr
	var out *bufio.Scanner
	if stdout != nil {
		p.cmd.Stdout = stdout
		close(p.lines)
	} else {
		pipe, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		out = bufio.NewScanner(pipe)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	go func() {
		if out != nil {
			for out.Scan() {
				p.lines <- out.Text()
			}
			close(p.lines)
		}
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p
}

// waitLines reads stdout until n lines ending in suffix came, and returns
// the lines read.
func (p *psshRun) waitLines(t *testing.T, suffix string, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(time.Minute)
	for seen := 0; seen < n; {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("pssh ended after %q, before %d lines ending in %q; stderr %q", got, n, suffix, p.stderr.String())
			}
			got = append(got, l)
			if strings.HasSuffix(l, suffix) {
				seen++
			}
		case <-timeout:
			t.Fatalf("no %d lines ending in %q after a minute: %q", n, suffix, got)
		}
	}
	return got
}

// wait waits at most bound for pssh to exit, and returns its exit status
// (-1 for death by a signal), the rest of its stdout and its stderr.
func (p *psshRun) wait(t *testing.T, bound time.Duration) (int, []string, string) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(bound):
		t.Fatalf("pssh still running %v later; stderr %q", bound, p.stderr.String())
	}
	var rest []string
	for l := range p.lines {
		rest = append(rest, l)
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0, rest, p.stderr.String()
	case errors.As(p.err, &ee):
		return ee.ExitCode(), rest, p.stderr.String()
	}
	t.Fatal(p.err)
	return 0, nil, ""
}

// malformedExitBed is a bed whose servers end each command with sshtest's
// MalformedExit fault.
func malformedExitBed(t *testing.T, n int) *bed {
	t.Helper()
	fleet, err := startFleet(n, sshtest.Config{
		AuthorizedKeys: []ssh.PublicKey{clientKey(t).PublicKey()},
		Faults:         sshtest.Faults{MalformedExit: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return bedFor(t, fleet)
}

// TestMalformedExitTimeout runs pssh -t 3 on hosts whose servers send a
// malformed exit-status, more requests, and never close the channel: each
// host fails as timed out, its output kept, and pssh exits 3 within the
// bound.
func TestMalformedExitTimeout(t *testing.T) {
	b := malformedExitBed(t, 2)
	begin := time.Now()
	p := startPssh(t, nil, append(b.flags(), "-t", "3", "-i", "echo hello")...)
	code, out, stderr := p.wait(t, 3*time.Second+stopBound)
	t.Logf("pssh -t 3 exited %d after %v", code, time.Since(begin).Round(time.Millisecond))
	if code != exitKilled {
		t.Fatalf("exit status %d, want %d; stdout %q, stderr %q", code, exitKilled, out, stderr)
	}
	if n := strings.Count(strings.Join(out, "\n"), "[FAILURE]"); n != 2 || strings.Count(strings.Join(out, "\n"), "timed out") != 2 {
		t.Errorf("want 2 hosts failed as timed out; stdout %q", out)
	}
	if n := strings.Count(strings.Join(out, "\n"), "\nhello"); n != 2 {
		t.Errorf("want each host's output shown; stdout %q", out)
	}
}

// TestMalformedExitSignals stops, by each signal, a pssh without -t whose
// hosts send a malformed exit-status and never close their channels: the
// first signal ends pssh within the bound, exit status 3.
func TestMalformedExitSignals(t *testing.T) {
	b := malformedExitBed(t, 2)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(signalName(sig), func(t *testing.T) {
			p := startPssh(t, nil, append(b.flags(), "-t", "0", "-P", "echo hello")...)
			p.waitLines(t, ": hello", 2)
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := p.wait(t, stopBound)
			if code != exitKilled || !strings.Contains(stderr, "pssh: interrupted by "+signalName(sig)) {
				t.Errorf("exit status %d, stderr %q; want %d, interrupted by %s; stdout %q", code, stderr, exitKilled, signalName(sig), out)
			}
		})
	}
}

// TestInterruptStopsCommands ends a run by SIGTERM, SIGHUP and a closed
// standard output: pssh exits 3 saying why, what the hosts printed is in
// the -o files, and the remote commands (processes of this machine, as
// sshtest runs them) are gone.
func TestInterruptStopsCommands(t *testing.T) {
	b := newBed(t, 3)
	for _, tc := range []struct {
		name   string
		sig    syscall.Signal // sent once the commands run; 0: stdout is a closed pipe
		stderr string
	}{
		{"SIGTERM", syscall.SIGTERM, "pssh: interrupted by SIGTERM\n"},
		{"SIGHUP", syscall.SIGHUP, "pssh: interrupted by SIGHUP\n"},
		{"closed stdout", 0, "pssh: interrupted: standard output closed (broken pipe); the remote commands were stopped\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A sleep with a duration no other process has, to find it with pgrep.
			pattern := fmt.Sprintf("sleep 7%05d.%d", os.Getpid()%100000, time.Now().UnixNano()%1000000)
			outDir := t.TempDir()
			args := append(b.flags(), "-t", "0", "-P", "-o", outDir, "echo started; exec "+pattern)
			var p *psshRun
			if tc.sig != 0 {
				p = startPssh(t, nil, args...)
				p.waitLines(t, ": started", 3)
				waitRemote(t, pattern, 3)
				if err := p.cmd.Process.Signal(tc.sig); err != nil {
					t.Fatal(err)
				}
			} else {
				// As "pssh ... | head -1" once head has exited: the first
				// line pssh prints finds no reader.
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				p = startPssh(t, w, args...)
				w.Close()
			}
			code, _, stderr := p.wait(t, time.Minute)
			if code != exitKilled || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit status %d, stderr %q; want %d and %q", code, stderr, exitKilled, tc.stderr)
			}
			waitRemote(t, pattern, 0)
			if tc.sig == 0 {
				return // the hosts were stopped wherever they were
			}
			for _, h := range b.hosts() {
				if got, err := os.ReadFile(filepath.Join(outDir, h)); string(got) != "started\n" {
					t.Errorf("-o file of %s: %q, %v; want what the host printed", h, got, err)
				}
			}
		})
	}
}

// waitRemote waits until exactly n processes whose command line starts
// with pattern run.
func waitRemote(t *testing.T, pattern string, n int) {
	t.Helper()
	deadline := time.Now().Add(stopBound)
	for remoteCount(t, pattern) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d processes %q running after %v, want %d", remoteCount(t, pattern), pattern, stopBound, n)
		}
		time.Sleep(20 * time.Millisecond) // polling for outside processes to start or end
	}
}
