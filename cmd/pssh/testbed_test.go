package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTestbed starts "pssh testbed", runs the very command it prints, and
// stops it with an interrupt.
func TestTestbed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bed")
	tb := exec.Command(psshBin, "testbed", "-n", "4", "-dir", dir)
	stdout, err := tb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tb.Stderr = os.Stderr
	if err := tb.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			tb.Process.Kill()
			tb.Wait()
		}
	})
	sc := bufio.NewScanner(stdout)
	var printed []string
	for sc.Scan() {
		line := sc.Text()
		if line == "ready" {
			break
		}
		printed = append(printed, line)
	}
	var example string
	for _, l := range printed {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), "pssh "); ok {
			example = s
		}
	}
	if example == "" {
		t.Fatalf("no example command in the testbed's output:\n%s", strings.Join(printed, "\n"))
	}
	if fi, err := os.Stat(filepath.Join(dir, "id_ed25519")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi.Mode(), err)
	}
	hosts, err := os.ReadFile(filepath.Join(dir, "hosts"))
	if err != nil || len(lines(string(hosts))) != 4 {
		t.Fatalf("hosts file %q: %v", hosts, err)
	}
	for i, h := range lines(string(hosts)) {
		if !strings.Contains(h, fmt.Sprintf("@127.0.0.%d:", i+1)) {
			t.Errorf("hosts line %q", h)
		}
	}

	r := runPssh(t, strings.Fields(example)...)
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "[SUCCESS]"); n != 4 {
		t.Errorf("%d hosts succeeded, want 4:\n%s", n, r.stdout)
	}

	if err := tb.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
		}
		done <- tb.Wait()
	}()
	select {
	case err := <-done:
		killed = true
		if err != nil {
			t.Errorf("testbed exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("testbed did not stop on SIGINT")
	}
}

func TestTestbedUsage(t *testing.T) {
	r := runPssh(t, "testbed", "-n", "0")
	wantCode(t, r, 2)
	r = runPssh(t, "testbed", "-bogus")
	wantCode(t, r, 2)
}

func TestTestbedRunsCommand(t *testing.T) {
	r := runPssh(t, "testbed", "-n", "3", "--", "-b", "echo", "hi")
	wantCode(t, r, 0)
	got := lines(r.stdout)
	if len(got) != 4 || !strings.HasSuffix(got[1], "(3)") || got[3] != "hi" {
		t.Fatalf("stdout %q", r.stdout)
	}
	r = runPssh(t, "testbed", "-n", "2", "--", "exit 3")
	wantCode(t, r, 5)
}

// TestTestbedFlags checks testbed's flags: -n N and --dir DIR, -dir DIR
// too (the single dash of Go's flag package, which they were), and the pssh
// command line after --.
func TestTestbedFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		n    int
		dir  string
		pssh []string
	}{
		{nil, 20, "", nil},
		{[]string{"-n", "3", "--dir", "d", "--", "-b", "uptime"}, 3, "d", []string{"-b", "uptime"}},
		{[]string{"-dir", "d", "-n=4"}, 4, "d", nil},
		{[]string{"-dir=d", "--", "-dir", "x"}, 20, "d", []string{"-dir", "x"}},
		{[]string{"--dir=d", "-n5", "uptime", "-dir"}, 5, "d", []string{"uptime", "-dir"}},
	} {
		var got *testbedOptions
		err := parseSubcommand(newCmdTestbed(testStreams(""), func(o *testbedOptions) error { got = o; return nil }), testbedArgs(tt.args)...)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if got.n != tt.n || got.dir != tt.dir || !slices.Equal(got.pssh, tt.pssh) {
			t.Errorf("%q: %+v", tt.args, got)
		}
	}
}
