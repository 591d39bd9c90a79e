package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestJobRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		job     job
		wantErr string
	}{
		{"ok", job{argv: []string{"/bin/sh", "-c", "echo OK h0"}, check: countOKLines(1)}, ""},
		{"exit status", job{argv: []string{"/bin/sh", "-c", "echo boom >&2; exit 3"}}, "exit status 3; stderr: boom"},
		{"check fails", job{argv: []string{"/bin/sh", "-c", "echo FAIL h0"}, check: countOKLines(1)}, "0 of 1 hosts"},
		{"discarded stdout", job{argv: []string{"/bin/sh", "-c", "echo OK h0"}, discardStdout: true, check: countOKLines(1)}, "0 of 1 hosts"},
		{"after fails", job{argv: []string{"/bin/true"}, after: func() error { return errors.New("short file") }}, "short file"},
		{"env", job{argv: []string{"/bin/sh", "-c", `echo "OK $NAME"`}, env: []string{"NAME=h7"}, check: func(out, _ []byte) error {
			if string(out) != "OK h7\n" {
				return errors.New(string(out))
			}
			return nil
		}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.job.run(context.Background())
			if tc.wantErr == "" {
				if s.err != nil {
					t.Fatal(s.err)
				}
			} else if s.err == nil || !strings.Contains(s.err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", s.err, tc.wantErr)
			}
			if s.wall <= 0 {
				t.Errorf("wall = %v", s.wall)
			}
		})
	}
}

// TestJobRunChildren checks that the CPU and memory of children the tool
// waited for are counted.
func TestJobRunChildren(t *testing.T) {
	// A grandchild that counts to 300,000 in sh: about 0.3 s of CPU.
	s := job{argv: []string{"/bin/sh", "-c", `sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; true`}}.run(context.Background())
	if s.err != nil {
		t.Fatal(s.err)
	}
	if s.cpu < 100*time.Millisecond {
		t.Errorf("cpu = %v, want the grandchild's 0.3 s or so", s.cpu)
	}
	if s.maxRSS <= 0 {
		t.Errorf("maxRSS = %d", s.maxRSS)
	}
}

func TestJobRunTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// The grandchild sleep must die too, or Wait would wait for its
	// stdout.
	s := job{argv: []string{"/bin/sh", "-c", "sleep 30; true"}}.run(ctx)
	if s.err == nil || !strings.Contains(s.err.Error(), "killed after") {
		t.Fatalf("err = %v", s.err)
	}
	if s.wall > 10*time.Second {
		t.Errorf("wall = %v", s.wall)
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want procStat
		ok   bool
	}{
		{"123 (sshd) S 1 123 123 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 100 1000 250 18446744073709551615", procStat{1, 250}, true},
		{"7 (a b) c)) R 5 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 42 0", procStat{5, 42}, true},
		{"7 (x) R 5", procStat{}, false},
		{"no parenthesis", procStat{}, false},
		{"7 (x) R five 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 42", procStat{}, false},
	} {
		got, err := parseStat([]byte(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestTreeRSS sums the two sleeps a shell starts, not the shell itself (in
// the harness, the root is GNU time).
func TestTreeRSS(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & echo started; wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if _, err := out.Read(make([]byte, 8)); err != nil { // "started": both sleeps forked
		t.Fatal(err)
	}
	// The children are dash until they exec sleep, and their memory grows
	// while sleep starts: compare once two readings around treeRSS agree.
	var sleeps []int
	for deadline := time.Now().Add(10 * time.Second); ; {
		var before, after int64
		sleeps, before = sleepChildren(t, cmd.Process.Pid)
		tree := treeRSS(cmd.Process.Pid)
		_, after = sleepChildren(t, cmd.Process.Pid)
		if len(sleeps) == 2 && before == after {
			if tree != before || tree <= 0 {
				t.Errorf("treeRSS %d, want the sleeps' %d", tree, before)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("found %d sleeps under the shell, want 2 with steady memory", len(sleeps))
		}
		time.Sleep(5 * time.Millisecond) // polling for the children to settle
	}
	defer func() { // the shell's end does not end its children
		for _, pid := range sleeps {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	if leaf := treeRSS(sleeps[0]); leaf != 0 {
		t.Errorf("treeRSS of a process without children = %d", leaf)
	}
	if none := treeRSS(1 << 30); none != 0 {
		t.Errorf("treeRSS of no process = %d", none)
	}
}

// sleepChildren returns the children of pid that run sleep, and the sum of
// their resident memory in bytes.
func sleepChildren(t *testing.T, pid int) ([]int, int64) {
	t.Helper()
	var pids []int
	var sum int64
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("needs /proc")
	}
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil || !bytes.Contains(b, []byte(" (sleep) ")) {
			continue
		}
		if st, err := parseStat(b); err == nil && st.ppid == pid {
			n, _ := strconv.Atoi(e.Name())
			pids = append(pids, n)
			sum += st.rss * int64(os.Getpagesize())
		}
	}
	return pids, sum
}
