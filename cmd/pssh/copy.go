package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/hostlist"
)

// copyFlags are the flags cp and slurp take besides a run's.
func copyFlags() []flagDef {
	return []flagDef{
		{"r", "recursive", boolFlag, func(o *options, _ string) error { o.recursive = true; return nil }},
		{"", "scp", boolFlag, func(o *options, _ string) error { o.useSCP = true; return nil }},
		{"", "preserve-times", boolFlag, func(o *options, _ string) error { o.preserveTimes = true; return nil }},
	}
}

// runCopy is "pssh cp [flags] LOCAL REMOTE" (send: SFTP CopyFile, or
// SCPSend with --scp) and "pssh slurp [flags] REMOTE LOCALDIR" (fetch into
// LOCALDIR/HOST/: CopyRemoteFile, or SCPRecv).
func runCopy(sub string, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlagsWith(args, copyFlags())
	if err != nil {
		return fail(stderr, err)
	}
	if o.help {
		io.WriteString(stdout, usageText)
		return exitOK
	}
	usage := "pssh cp [flags] LOCAL REMOTE"
	if sub == "slurp" {
		usage = "pssh slurp [flags] REMOTE LOCALDIR"
	}
	if len(o.command) != 2 || o.command[0] == "" || o.command[1] == "" {
		return fail(stderr, usagef("%s: give two paths: %s", sub, usage))
	}
	for _, f := range []struct {
		set  bool
		name string
	}{
		{o.sendInput, "-I"}, {o.sudo, "--sudo"}, {o.pty, "--pty"}, {o.print, "-P"}, {o.gather, "-b"},
		{o.inline, "-i"}, {o.inlineOut, "--inline-stdout"}, {o.outDir != "", "-o"}, {o.errDir != "", "-e"},
	} {
		if f.set {
			return fail(stderr, usagef("%s: %s applies to running commands only", sub, f.name))
		}
	}
	hosts, err := loadHosts(o)
	if err != nil {
		return fail(stderr, err)
	}
	if len(hosts) == 0 {
		return fail(stderr, usagef("%v", errNoHosts))
	}
	cfg, _, err := setup(o, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	client, err := openClient(o, hosts, cfg, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer client.Close()
	ctx, stop := interruptible()
	defer stop()
	runCtx := ctx
	if o.timeoutSet && o.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}

	p := newPrinter(stdout, stderr)
	prog := newCopyProgress(p, len(hosts))
	copt := &pssh.CopyOptions{
		Recursive:        o.recursive,
		PreserveTimes:    o.preserveTimes,
		ContinueOnErrors: true,
		Progress:         prog.update,
	}
	src, dst := o.command[0], o.command[1]
	var results []*pssh.CopyResult
	prog.start()
	if sub == "cp" {
		send := client.CopyFile
		if o.useSCP {
			send = client.SCPSend
		}
		results, err = send(runCtx, src, dst, copt)
	} else {
		copt.HostPaths = slurpPaths(hosts, src, dst)
		recv := client.CopyRemoteFile
		if o.useSCP {
			recv = client.SCPRecv
		}
		results, err = recv(runCtx, src, dst, copt)
	}
	prog.stop()
	if err != nil {
		return fail(stderr, err)
	}
	interrupted := ctx.Err() != nil
	if interrupted {
		fmt.Fprintln(stderr, "pssh: interrupted")
	}
	outcomes := make([]outcome, len(results))
	for i, r := range results {
		out, text, kind := copyStatus(r.Err)
		outcomes[i] = out
		name := displayName(r.Host)
		switch {
		case o.json:
			p.write(p.stdout, copyJSON(r, kind))
		case out == succeeded:
			p.out("[%d] %s %s %s %s\n", i+1, time.Now().Format("15:04:05"), p.paint(green, "[SUCCESS]"), name, copySize(r))
		default:
			p.out("[%d] %s %s %s %s\n", i+1, time.Now().Format("15:04:05"), p.paint(red, "[FAILURE]"), name, text)
		}
		if o.verbose && r.Err != nil {
			p.errf("pssh: %v\n", r.Err)
		}
		for _, s := range r.Skipped {
			p.errf("pssh: %s: skipped %s\n", name, s)
		}
	}
	if p.progress {
		prog.summary(results, outcomes)
	}
	status := exitStatus(outcomes)
	if interrupted && status == exitOK {
		status = exitKilled
	}
	return status
}

// slurpPaths gives each host its own directory under dir, named after the
// host (host:port, or the whole entry when two entries share a name):
// dir/HOST/base(remote), as pslurp -L.
func slurpPaths(hosts []string, remote, dir string) []pssh.CopyPaths {
	count := map[string]int{}
	for _, h := range hosts {
		count[displayName(h)]++
	}
	safe := strings.NewReplacer("/", "_", string(filepath.Separator), "_", "\x00", "_")
	paths := make([]pssh.CopyPaths, len(hosts))
	for i, h := range hosts {
		label := displayName(h)
		if count[label] > 1 {
			label = h
		}
		label = safe.Replace(label)
		if label == "." || label == ".." {
			label = "_" + label
		}
		paths[i].Local = filepath.Join(dir, label, path.Base(remote))
	}
	return paths
}

// copyStatus classifies one host's copy: a transfer error on a connected
// host is "non-zero" (exit 5); not reaching the host is a connection error
// (exit 4).
func copyStatus(err error) (outcome, string, string) {
	if err == nil {
		return succeeded, "", ""
	}
	return errStatus(err)
}

// copySize is "1234 bytes" or, for trees, "3 files, 1234 bytes".
func copySize(r *pssh.CopyResult) string {
	if r.Files == 1 {
		return fmt.Sprintf("%d bytes", r.Bytes)
	}
	return fmt.Sprintf("%d files, %d bytes", r.Files, r.Bytes)
}

// jsonCopy is one host's line of --json output for cp and slurp.
type jsonCopy struct {
	Host       string     `json:"host"`
	Index      int        `json:"index"`
	Local      string     `json:"local"`
	Remote     string     `json:"remote"`
	Bytes      int64      `json:"bytes"`
	Files      int        `json:"files"`
	Skipped    []string   `json:"skipped,omitempty"`
	Error      *jsonError `json:"error,omitempty"`
	DurationMS int64      `json:"duration_ms"`
}

func copyJSON(r *pssh.CopyResult, kind string) []byte {
	j := jsonCopy{Host: r.Host, Index: r.Index, Local: r.Local, Remote: r.Remote, Bytes: r.Bytes,
		Files: r.Files, Skipped: r.Skipped, DurationMS: r.Elapsed.Milliseconds()}
	if r.Err != nil {
		j.Error = &jsonError{Kind: kind, Text: r.Err.Error()}
	}
	b, err := json.Marshal(j)
	if err != nil { // cannot happen: every field marshals
		b = fmt.Appendf(nil, `{"host":%q,"error":{"kind":"other","text":%q}}`, r.Host, err.Error())
	}
	return append(b, '\n')
}

// copyProgress keeps the progress line of a copy on a terminal: bytes
// done of the total across hosts, and the hosts done.
type copyProgress struct {
	p     *printer
	hosts int
	begin time.Time

	mu    sync.Mutex
	done  map[int]int64
	total map[int]int64

	stopTick chan struct{}
	tickDone chan struct{}
}

func newCopyProgress(p *printer, hosts int) *copyProgress {
	return &copyProgress{p: p, hosts: hosts, begin: time.Now(), done: map[int]int64{}, total: map[int]int64{}}
}

// update is CopyOptions.Progress.
func (c *copyProgress) update(_ string, index int, done, total int64) {
	if !c.p.progress {
		return
	}
	c.mu.Lock()
	c.done[index], c.total[index] = done, total
	c.mu.Unlock()
	c.draw()
}

func (c *copyProgress) draw() {
	c.mu.Lock()
	var done, total int64
	known, hostsDone := true, 0
	for i, d := range c.done {
		done += d
		t := c.total[i]
		if t < 0 {
			known = false
		} else {
			total += t
			if d >= t {
				hostsDone++
			}
		}
	}
	if len(c.total) < c.hosts {
		known = false // hosts not started yet: their totals are not known
	}
	c.mu.Unlock()
	bytesText := humanBytes(done)
	if known {
		bytesText += "/" + humanBytes(total)
	}
	c.p.setProgress(fmt.Sprintf("[pssh] %s, %d/%d hosts done, %s elapsed", bytesText, hostsDone, c.hosts,
		time.Since(c.begin).Round(100*time.Millisecond)))
}

func (c *copyProgress) start() {
	if !c.p.progress {
		return
	}
	c.stopTick, c.tickDone = make(chan struct{}), make(chan struct{})
	c.draw()
	go func() {
		defer close(c.tickDone)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.draw()
			case <-c.stopTick:
				return
			}
		}
	}()
}

func (c *copyProgress) stop() {
	if c.stopTick != nil {
		close(c.stopTick)
		<-c.tickDone
	}
	c.p.endProgress()
}

// summary closes a copy on a terminal.
func (c *copyProgress) summary(results []*pssh.CopyResult, outcomes []outcome) {
	var ok int
	var bytesDone int64
	var failed []string
	for i, r := range results {
		bytesDone += r.Bytes
		if outcomes[i] == succeeded {
			ok++
		} else {
			failed = append(failed, displayName(r.Host))
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "pssh: %d hosts in %v: %s, %s, %s copied\n", len(results), time.Since(c.begin).Round(10*time.Millisecond),
		c.p.paintIf(ok > 0, green, fmt.Sprintf("%d succeeded", ok)),
		c.p.paintIf(len(failed) > 0, red, fmt.Sprintf("%d failed", len(failed))), humanBytes(bytesDone))
	if len(failed) > 0 {
		fmt.Fprintf(&b, "pssh: failed: %s\n", hostlist.Fold(failed))
	}
	c.p.write(c.p.stderr, b.Bytes())
}

// humanBytes is n in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 3 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", f, []string{"B", "KiB", "MiB", "GiB"}[i])
}
