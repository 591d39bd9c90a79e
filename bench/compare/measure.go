package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// job is one run of one tool: a command line, and how to tell whether it
// did its work on every host.
type job struct {
	argv []string
	env  []string // added to the environment
	dir  string   // working directory, "" for the harness's
	// discardStdout sends the tool's standard output to /dev/null instead
	// of capturing it (for output too large to keep).
	discardStdout bool
	// check inspects the captured output (stdout is empty when discarded)
	// after the tool exited with status 0, and says whether every host
	// succeeded.
	check func(stdout, stderr []byte) error
	// before runs first, untimed and unmeasured: to set up what the
	// timed run needs (a control master holding the connections). If it
	// fails, the run fails and after still runs.
	before func(ctx context.Context) error
	// after runs once the tool has exited, whatever its status, before
	// check: for checks of files the tool wrote, and their removal.
	after func() error
}

// sample is what one run of a tool measured.
type sample struct {
	wall time.Duration
	// cpu is user+system time of the tool's process and of every
	// descendant it waited for (wait4's rusage).
	cpu time.Duration
	// maxRSS is the largest resident set of a single process among the
	// tool and the descendants it waited for, in bytes.
	maxRSS int64
	// treeRSS is the largest sum of the resident memory of the tool and
	// all its descendants at once, sampled (see treeRSSInterval), in bytes:
	// for tools that run one ssh per host, what the fan-out really holds.
	// Never below maxRSS.
	treeRSS int64
	// err is why the run failed: a non-zero exit, a timeout, or a host
	// that did not succeed. A failed run is not timed.
	err error
}

// stderrKeep bounds how much of a tool's standard error a failure quotes.
const stderrKeep = 2000

// run starts j, waits for it and measures it. ctx bounds the run; on
// expiry the tool's process group is killed.
func (j job) run(ctx context.Context) sample {
	if j.before != nil {
		if err := j.before(ctx); err != nil {
			if j.after != nil {
				j.after()
			}
			return sample{err: fmt.Errorf("before the run: %w", err)}
		}
	}
	// The tool runs under GNU time, which forks it and reports its peak
	// RSS: a process started by this Go program directly would report at
	// least this program's own peak (Go starts children with vfork, and the
	// kernel records the shared memory's peak at exec).
	rssFile, err := os.CreateTemp("", "compare-rss-")
	if err != nil {
		return sample{err: err}
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	argv := append([]string{timeBinary, "-f", "%M", "-o", rssFile.Name(), "--"}, j.argv...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), j.env...)
	cmd.Dir = j.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	if j.discardStdout {
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return sample{err: err}
		}
		defer devnull.Close()
		cmd.Stdout = devnull
	} else {
		cmd.Stdout = &stdout
	}
	cmd.Stderr = &stderr

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{err: err}
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go sampleTreeRSS(cmd.Process.Pid, done, peak) // time's own few MB left out
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	waitErr := cmd.Wait()
	wall := time.Since(start)
	close(done)

	s := sample{wall: wall}
	if ps := cmd.ProcessState; ps != nil {
		s.cpu = ps.UserTime() + ps.SystemTime()
	}
	if kib, err := readTimeRSS(rssFile.Name()); err == nil {
		s.maxRSS = maxRSSBytes(kib)
	} else if waitErr == nil {
		waitErr = err
	}
	s.treeRSS = max(<-peak, s.maxRSS)
	var afterErr error
	if j.after != nil {
		afterErr = j.after()
	}
	switch {
	case ctx.Err() != nil:
		s.err = fmt.Errorf("killed after %v: %w", wall.Round(time.Millisecond), ctx.Err())
	case waitErr != nil:
		s.err = fmt.Errorf("%w; stderr: %s", waitErr, tailBytes(stderr.Bytes(), stderrKeep))
	case afterErr != nil:
		s.err = afterErr
	case j.check != nil:
		if err := j.check(stdout.Bytes(), stderr.Bytes()); err != nil {
			s.err = fmt.Errorf("%w; stderr: %s", err, tailBytes(stderr.Bytes(), stderrKeep))
		}
	}
	return s
}

// timeBinary is GNU time, installed by install-peers.sh.
const timeBinary = "/usr/bin/time"

// readTimeRSS reads the peak RSS in KiB that GNU time's "-f %M" wrote:
// the file's last word (a line before it may say how the command ended).
func readTimeRSS(name string) (int64, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, err
	}
	words := strings.Fields(string(b))
	if len(words) == 0 {
		return 0, fmt.Errorf("%s wrote no peak RSS", timeBinary)
	}
	kib, err := strconv.ParseInt(words[len(words)-1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s wrote %q, not a peak RSS", timeBinary, b)
	}
	return kib, nil
}

// maxRSSBytes converts ru_maxrss, which Linux gives in KiB, to bytes.
func maxRSSBytes(kib int64) int64 { return kib * 1024 }

// tailBytes returns the end of b, at most n bytes, as a string.
func tailBytes(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return "..." + string(b[len(b)-n:])
	}
	if len(b) == 0 {
		return "(empty)"
	}
	return string(b)
}
