package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBigOutputViews runs the views that print a host's output only once
// it has finished (-b, -i, --json) on hosts printing 32 MiB each, without
// a newline: every byte is shown, and pssh's memory stays far below the
// 128 MiB of output, which goes to disk while it waits.
func TestBigOutputViews(t *testing.T) {
	const hosts, size = 4, 32 << 20
	b := newBed(t, hosts)
	command := "head -c 33554432 /dev/zero | tr '\\0' x"
	for _, tc := range []struct {
		name  string
		flags []string
		check func(t *testing.T, stdout []byte)
	}{
		{"gather", []string{"-b"}, func(t *testing.T, stdout []byte) {
			// One group of the four hosts: its header, then the output once.
			header, _, _ := bytes.Cut(stdout, []byte("x"))
			if bytes.Count(header, []byte(" (4)\n")) != 1 || !bytes.HasSuffix(stdout, append(bytes.Repeat([]byte("x"), size), '\n')) || len(stdout) != len(header)+size+1 {
				t.Errorf("%d bytes of output, header %q", len(stdout), header)
			}
		}},
		{"inline", []string{"-i"}, func(t *testing.T, stdout []byte) {
			if n := bytes.Count(stdout, []byte("[SUCCESS]")); n != hosts || bytes.Count(stdout, []byte("x")) != hosts*size {
				t.Errorf("%d hosts succeeded, %d bytes of x, want %d and %d", n, bytes.Count(stdout, []byte("x")), hosts, hosts*size)
			}
		}},
		{"json", []string{"--json"}, func(t *testing.T, stdout []byte) {
			sc := bufio.NewScanner(bytes.NewReader(stdout))
			sc.Buffer(nil, 2*size)
			n := 0
			for sc.Scan() {
				var j jsonHost
				if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
					t.Fatal(err)
				}
				if len(j.Stdout) != size || strings.Trim(j.Stdout, "x") != "" || j.ExitCode == nil || *j.ExitCode != 0 {
					t.Errorf("%s: %d bytes of stdout, exit %v", j.Host, len(j.Stdout), j.ExitCode)
				}
				n++
			}
			if n != hosts || sc.Err() != nil {
				t.Errorf("%d JSON lines, want %d (%v)", n, hosts, sc.Err())
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(psshBin, append(append(b.flags(), tc.flags...), command)...)
			cmd.Env = append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// pssh's peak resident memory (VmHWM) only grows: a sample taken
			// after the peak sees it. (wait4's ru_maxrss would not do: a
			// child of a Go process inherits its parent's peak at exec.)
			peak := make(chan int64, 1)
			stop := make(chan struct{})
			go func() {
				var hwm int64
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					hwm = max(hwm, vmHWM(cmd.Process.Pid))
					select {
					case <-stop:
						peak <- hwm
						return
					case <-tick.C:
					}
				}
			}()
			err := cmd.Wait()
			close(stop)
			if err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			tc.check(t, stdout.Bytes())
			// Holding the output would take at least 128 MiB; the race
			// detector's own bookkeeping costs more than that by itself.
			limit := int64(64 << 20)
			if raceEnabled {
				limit = 192 << 20
			}
			hwm := <-peak
			t.Logf("pssh %s: peak RSS %d MiB", tc.name, hwm>>20)
			if hwm == 0 {
				t.Skip("no /proc/PID/status VmHWM here")
			}
			if hwm > limit {
				t.Errorf("peak RSS %d MiB, want below %d MiB", hwm>>20, limit>>20)
			}
		})
	}
}

// vmHWM returns the peak resident memory of process pid in bytes, or 0 if
// it cannot be read (the process has gone, or there is no /proc).
func vmHWM(pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
