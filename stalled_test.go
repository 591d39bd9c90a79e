package pssh_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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
