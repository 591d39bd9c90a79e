package pssh_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestStalledOutputBoundedMemory runs a command printing 2 MB as fast as the
// client takes it on 40 hosts, under a client-wide budget of 4 MiB, reads
// nothing until every host has finished, then reads everything. The output
// past the budget went to spill files (open, unlinked, in SpillDir, while
// it sat unread; closed once read), every byte arrives, in order, and the
// Go heap in use (client and in-process servers together) stays far below
// what the unread output took before Config.OutputMemoryTotal and the
// connections' gates bounded it: 1 MiB of spool per stream plus up to the
// 2 MiB SSH window that x/crypto/ssh buffered per session, about 100 MiB
// here.
func TestStalledOutputBoundedMemory(t *testing.T) {
	const hosts, size = 40, 2_000_000
	pattern := []byte("0123456789abcdefghijklmnopqrstuvwxyz\n")
	fleet := sshtest.StartFleet(t, hosts, sshtest.Config{Handler: sshtest.Repeat(pattern, size)})
	cfg := fleet.ClientConfig()
	cfg.SpillDir = t.TempDir()
	cfg.OutputMemoryTotal = 4 << 20
	c := newClient(t, fleet.Addrs(), cfg)

	runtime.GC()
	base := heapInUse()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var p uint64
		for {
			p = max(p, heapInUse())
			select {
			case <-stop:
				peak <- p
				return
			case <-tick.C:
			}
		}
	}()
	outs, err := c.Run(t.Context(), "stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if err := o.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	grew := int64(<-peak) - int64(base)
	spilled := spillFiles(t, cfg.SpillDir)
	if spilled < hosts/2 {
		t.Errorf("%d spill files open while %d hosts × %d bytes sat unread past a budget of %d bytes, want at least %d", spilled, hosts, size, cfg.OutputMemoryTotal, hosts/2)
	}

	for _, o := range outs {
		v := &patternChecker{pattern: pattern}
		if n, err := io.Copy(v, o.Stdout); err != nil || n != size || v.err != nil {
			t.Fatalf("%s: read %d bytes (%v), want %d: %v", o.Host, n, err, size, v.err)
		}
		if code, ok := o.ExitCode(); !ok || code != 0 {
			t.Fatalf("%s: exit %d %t", o.Host, code, ok)
		}
	}
	if n := spillFiles(t, cfg.SpillDir); n != 0 {
		t.Errorf("%d spill files still open once every host's output was read", n)
	}
	t.Logf("%d spill files; heap in use grew by %.1f MiB while %d hosts × %d bytes sat unread", spilled, float64(grew)/(1<<20), hosts, size)
	if limit := int64(48 << 20); grew > limit {
		t.Errorf("heap in use grew by %.1f MiB while the output sat unread, want at most %d MiB", float64(grew)/(1<<20), limit>>20)
	}
}

// spillFiles counts the files of dir this process has open (spill files
// are unlinked at once: their names end in " (deleted)").
func spillFiles(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

// heapInUse is the Go heap in use now, garbage included.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// patternChecker checks that what is written is pattern repeated.
type patternChecker struct {
	pattern []byte
	window  []byte // pattern repeated, to compare whole writes with
	off     int64
	err     error
}

func (p *patternChecker) Write(b []byte) (int, error) {
	if p.window == nil {
		p.window = bytes.Repeat(p.pattern, 64<<10/len(p.pattern)+2)
	}
	for rest := b; len(rest) > 0 && p.err == nil; {
		start := int(p.off % int64(len(p.pattern)))
		n := min(len(rest), len(p.window)-start)
		if !bytes.Equal(rest[:n], p.window[start:start+n]) {
			p.err = fmt.Errorf("bytes %d to %d differ from the pattern", p.off, p.off+int64(n))
		}
		p.off += int64(n)
		rest = rest[n:]
	}
	return len(b), nil
}

// TestRunMemoryLimit runs a command on 20 hosts that prints once its stdin
// is closed, with the default Config.RunMemoryLimit: while the commands
// run, the process has a soft memory limit, the one the client set (at
// least what the process used plus twice OutputMemoryTotal and 128 KiB per
// connection); once every host finished, it has none again, and each
// host's Stdin let go of its session channel (and of the last packet
// x/crypto/ssh received on it), its writes failing with io.EOF. With
// RunMemoryLimit negative, or under a limit of the process's own, the
// client sets none.
func TestRunMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("the process has a memory limit of its own")
	}
	const hosts = 20
	out := bytes.Repeat([]byte("x"), 100_000)
	fleet := sshtest.StartFleet(t, hosts, sshtest.Config{Handler: func(_ context.Context, e *sshtest.Exec) sshtest.Exit {
		io.Copy(io.Discard, e.Stdin)
		e.Stdout.Write(out)
		return sshtest.Exit{}
	}})
	run := func(cfg *pssh.Config) (*pssh.Client, []*pssh.HostOutput) {
		t.Helper()
		c := newClient(t, fleet.Addrs(), cfg)
		outs, err := c.Run(t.Context(), "wait", nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, outs
	}
	finish := func(outs []*pssh.HostOutput) {
		t.Helper()
		for _, o := range outs {
			o.Stdin.Close()
		}
		for _, o := range outs {
			if err := o.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, o.Stdout); n != int64(len(out)) || err != nil {
				t.Fatalf("%s: read %d bytes (%v), want %d", o.Host, n, err, len(out))
			}
		}
	}

	cfg := fleet.ClientConfig()
	c, outs := run(cfg)
	set := pssh.MemoryLimitSet(c)
	if got := debug.SetMemoryLimit(-1); got != set || set == 0 {
		t.Errorf("process memory limit %d while the commands run, want the client's (%d)", got, set)
	}
	if least := int64(2*pssh.DefaultOutputMemoryTotal + hosts*128<<10); set < least {
		t.Errorf("client's memory limit %d, want at least %d", set, least)
	}
	finish(outs)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 || pssh.MemoryLimitSet(c) != 0 {
		t.Errorf("process memory limit %d (client's %d) once every host finished, want none", got, pssh.MemoryLimitSet(c))
	}
	for _, o := range outs {
		if pssh.StdinHeld(o) {
			t.Errorf("%s: Stdin still holds the session channel once the host finished", o.Host)
		}
		if _, err := o.Stdin.Write([]byte("late")); !errors.Is(err, io.EOF) {
			t.Errorf("%s: writing Stdin once the host finished: %v, want io.EOF", o.Host, err)
		}
	}

	cfg.RunMemoryLimit = -1
	_, outs = run(cfg)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("process memory limit %d while the commands run with RunMemoryLimit -1, want none", got)
	}
	finish(outs)

	const own = 1 << 40
	debug.SetMemoryLimit(own)
	defer debug.SetMemoryLimit(math.MaxInt64)
	cfg.RunMemoryLimit = 0
	c, outs = run(cfg)
	if got := debug.SetMemoryLimit(-1); got != own || pssh.MemoryLimitSet(c) != 0 {
		t.Errorf("process memory limit %d (client's %d) while the commands run under the process's own, want that one (%d)", got, pssh.MemoryLimitSet(c), own)
	}
	finish(outs)
	if got := debug.SetMemoryLimit(-1); got != own {
		t.Errorf("process memory limit %d once every host finished, want the process's own (%d)", got, own)
	}
}
