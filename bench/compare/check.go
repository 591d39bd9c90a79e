package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Every tool is checked for having done its work on every host: a run that
// exited 0 but lost a host counts as failed.

// countStatusLines checks the one-line-per-host report of pssh and
// parallel-ssh ("[3] 12:01:02 [SUCCESS] h2"): exactly n SUCCESS lines and
// no other status.
func countStatusLines(n int) func(stdout, stderr []byte) error {
	return func(stdout, _ []byte) error {
		ok, failed := 0, 0
		var firstFailure string
		for line := range strings.Lines(string(stdout)) {
			switch {
			case strings.Contains(line, "[SUCCESS]"):
				ok++
			case strings.Contains(line, "[FAILURE]"), strings.Contains(line, "[TIMEOUT]"):
				failed++
				if firstFailure == "" {
					firstFailure = strings.TrimSpace(line)
				}
			}
		}
		if ok != n || failed != 0 {
			return fmt.Errorf("%d of %d hosts succeeded, %d failed (%s)", ok, n, failed, firstFailure)
		}
		return nil
	}
}

// okPrefix starts the line the ssh loop and the asyncssh script print for
// each host that succeeded.
const okPrefix = "OK "

// countOKLines checks for exactly n lines "OK NAME ..." with n distinct
// names.
func countOKLines(n int) func(stdout, stderr []byte) error {
	return func(stdout, _ []byte) error {
		seen := make(map[string]bool, n)
		for line := range strings.Lines(string(stdout)) {
			rest, ok := strings.CutPrefix(line, okPrefix)
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
			seen[name] = true
		}
		if len(seen) != n {
			return fmt.Errorf("%d of %d hosts succeeded", len(seen), n)
		}
		return nil
	}
}

// okBytes checks for one line "OK NAME BYTES" with BYTES equal to size:
// the asyncssh script counts what it read.
func okBytes(size int64) func(stdout, stderr []byte) error {
	return func(stdout, _ []byte) error {
		for line := range strings.Lines(string(stdout)) {
			rest, ok := strings.CutPrefix(line, okPrefix)
			if !ok {
				continue
			}
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == fmt.Sprint(size) {
				return nil
			}
			return fmt.Errorf("read %q, want %d bytes", strings.TrimSpace(rest), size)
		}
		return fmt.Errorf("no OK line")
	}
}

// quietStderr checks a tool that prints nothing for a host that succeeded
// (pdsh and clush with -S, which exit non-zero when a host failed): any
// line on standard error is a host that failed or a warning worth seeing.
func quietStderr(stdout, stderr []byte) error {
	if s := bytes.TrimSpace(stderr); len(s) > 0 {
		return fmt.Errorf("unexpected output on stderr")
	}
	return nil
}

// fileSize checks that path holds exactly size bytes, then removes it.
func fileSize(path string, size int64) func() error {
	return func() error {
		defer os.Remove(path)
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if fi.Size() != size {
			return fmt.Errorf("%s holds %d bytes, want %d", path, fi.Size(), size)
		}
		return nil
	}
}
