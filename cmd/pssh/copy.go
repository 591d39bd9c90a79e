package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/escape"
)

// copyOptions are the flags of cp and slurp.
type copyOptions struct {
	options

	par           int           // -p
	timeout       time.Duration // -t: the whole copy; 0 = none
	recursive     bool          // -r
	useSCP        bool          // --scp
	preserveTimes bool          // --preserve-times
	skipSpecial   bool          // --skip-special
	json          bool
	verbose       bool // -v
}

// addCopyFlags defines the flags of cp and slurp.
func addCopyFlags(fs *pflag.FlagSet, o *copyOptions) {
	addHostFlags(fs, &o.options)
	addConnectionFlags(fs, &o.options)
	g := flagGroup{fs, copyingGroup}
	g.int(&o.par, "par", "p", "N", defaultPar, 1, parUsage("hosts copying at once"))
	g.seconds(&o.timeout, "timeout", "t", 0, "limit on the whole copy; 0 = none (default: none)")
	g.switchFlag(&o.recursive, "recursive", "r", "copy a directory and everything under it")
	g.switchFlag(&o.useSCP, "scp", "", "use the SCP protocol (scp -t/scp -f on the hosts) instead of SFTP")
	g.switchFlag(&o.preserveTimes, "preserve-times", "", "keep modification and access times (permission bits are always kept)")
	g.switchFlag(&o.skipSpecial, "skip-special", "", "skip what is not a regular file or a directory (devices, FIFOs, sockets, links to directories, dangling links) instead of failing the host; each is listed on stderr")
	addReportFlags(flagGroup{fs, copyOutputGroup}, &o.json, &o.verbose)
}

const copyExitStatus = `Exit status:
  0 every host copied       3 interrupted, or -t expired
  1 pssh itself failed      4 a host could not connect or authenticate
  2 usage error             5 all connected; a copy failed`

// twoPaths checks the arguments of cp and slurp: two paths.
func twoPaths(usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 2 || args[0] == "" || args[1] == "" {
			return usagef("%s: give two paths: %s", cmd.Name(), usage)
		}
		return nil
	}
}

// cpOptions are the options of "pssh cp [flags] LOCAL REMOTE".
type cpOptions struct {
	copyOptions
	local, remote string
}

// newCmdCp returns "pssh cp", which sends a file (a tree with -r) to every
// host. It runs runF, if given, instead: for tests.
func newCmdCp(ios *ioStreams, runF func(*cpOptions) error) *cobra.Command {
	o := &cpOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "cp [flags] LOCAL REMOTE",
		Short: "copy a file (a tree with -r) to every host, over SFTP or --scp",
		Long: `Copy the local file LOCAL to the path REMOTE on every host, over SFTP or,
with --scp, scp. REMOTE is the destination itself; missing parent
directories are created. With -r, LOCAL is a directory, copied with
everything under it. Every file is written under a temporary name and
renamed into place once complete, so a failed copy never leaves a partial
file under the final name.`,
		Annotations: map[string]string{afterAnnotation: copyExitStatus},
		Args:        twoPaths("pssh cp [flags] LOCAL REMOTE"),
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.local, o.remote = args[0], args[1]
			if runF != nil {
				return runF(o)
			}
			return runCopy(&o.copyOptions, false, o.local, o.remote, ios)
		}),
	})
	addCopyFlags(cmd.Flags(), &o.copyOptions)
	registerCompletions(cmd)
	return cmd
}

// slurpOptions are the options of "pssh slurp [flags] REMOTE LOCALDIR".
type slurpOptions struct {
	copyOptions
	remote, localDir string
}

// newCmdSlurp returns "pssh slurp", which fetches a file (a tree with -r)
// from every host. It runs runF, if given, instead: for tests.
func newCmdSlurp(ios *ioStreams, runF func(*slurpOptions) error) *cobra.Command {
	o := &slurpOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "slurp [flags] REMOTE LOCALDIR",
		Short: "fetch REMOTE from every host into LOCALDIR/HOST/",
		Long: `Fetch REMOTE (a tree with -r) from every host into one directory per host,
named after the host, as pslurp -L: LOCALDIR/HOST/base(REMOTE), e.g.
logs/web1:22/app.log for "pssh slurp -H web1:22 /var/log/app.log logs".
HOST is the host as the status lines show it, without the user.`,
		Annotations: map[string]string{afterAnnotation: copyExitStatus},
		Args:        twoPaths("pssh slurp [flags] REMOTE LOCALDIR"),
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.remote, o.localDir = args[0], args[1]
			if runF != nil {
				return runF(o)
			}
			return runCopy(&o.copyOptions, true, o.remote, o.localDir, ios)
		}),
	})
	addCopyFlags(cmd.Flags(), &o.copyOptions)
	registerCompletions(cmd)
	return cmd
}

// runCopy sends src to dst on every host (cp: SFTP CopyFile, or SCPSend
// with --scp) or, with fetch, fetches src from every host into dst/HOST/
// (slurp: CopyRemoteFile, or SCPRecv).
func runCopy(o *copyOptions, fetch bool, src, dst string, ios *ioStreams) error {
	if err := checkLocalPath(o, fetch, src, dst); err != nil {
		return err
	}
	s, err := connect(&o.options, startup{ios: ios, poolSize: o.par, canPrompt: ios.stdinTTY, verbose: o.verbose})
	if err != nil {
		return err
	}
	defer s.close()
	runCtx := s.ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(s.ctx, o.timeout)
		defer cancel()
	}

	p := newPrinter(s.ios)
	prog := newCopyProgress(p, len(s.hosts))
	copt := &pssh.CopyOptions{
		Recursive:        o.recursive,
		PreserveTimes:    o.preserveTimes,
		SkipSpecial:      o.skipSpecial,
		ContinueOnErrors: true,
		Progress:         prog.update,
	}
	var results []*pssh.CopyResult
	prog.start()
	if !fetch {
		send := s.client.CopyFile
		if o.useSCP {
			send = s.client.SCPSend
		}
		results, err = send(runCtx, src, dst, copt)
	} else {
		copt.HostPaths = slurpPaths(s.labels, src, dst)
		recv := s.client.CopyRemoteFile
		if o.useSCP {
			recv = s.client.SCPRecv
		}
		results, err = recv(runCtx, src, dst, copt)
	}
	prog.stop()
	if err != nil {
		return err
	}
	interrupted := s.ctx.Err() != nil
	if interrupted {
		fmt.Fprintln(ios.ErrOut, interruptedText(s.ctx))
	}
	outcomes := make([]outcome, len(results))
	withErrors := 0
	for i, r := range results {
		out, text, kind := copyStatus(r.Err)
		outcomes[i] = out
		name := shown(r.Label)
		switch {
		case o.json:
			p.write(p.stdout, copyJSON(r, kind))
		case out == succeeded:
			p.out("[%d] %s %s %s %s\n", i+1, time.Now().Format("15:04:05"), p.paint(green, "[SUCCESS]"), name, copySize(r))
		default:
			p.out("[%d] %s %s %s %s\n", i+1, time.Now().Format("15:04:05"), p.paint(red, "[FAILURE]"), name, text)
		}
		if o.verbose && r.Err != nil {
			p.errf("pssh: %s\n", shown(fullError(r.Err)))
		}
		if r.Err != nil {
			withErrors++
		}
		for _, s := range r.Skipped {
			p.errf("pssh: %s: skipped %s\n", name, statusText(s))
		}
	}
	if p.progress {
		prog.summary(results, outcomes)
	}
	ends := make([]hostEnd, len(results))
	for i, r := range results {
		ends[i] = hostEnd{r.Host, outcomes[i] == succeeded, r.Err}
	}
	recordRun(&o.groupOptions, ends, ios.ErrOut)
	if !o.verbose && !o.json {
		verboseHint(p, withErrors)
	}
	status := exitStatus(outcomes)
	if interrupted && status == exitOK {
		status = exitKilled
	}
	return exitCode(status)
}

// checkLocalPath checks the local argument of cp (LOCAL, the source) or
// slurp (LOCALDIR, the destination) before any host is connected: a
// mistake there would fail every host the same way.
func checkLocalPath(o *copyOptions, fetch bool, src, dst string) error {
	if fetch {
		if fi, err := os.Stat(dst); err == nil && !fi.IsDir() {
			return usagef("slurp: %s is not a directory", dst)
		}
		return nil
	}
	fi, err := os.Stat(src)
	switch {
	case err != nil:
		return usagef("cp: %v", err)
	case fi.IsDir() && !o.recursive:
		return usagef("cp: %s is a directory: use -r to copy it and everything under it", src)
	case !fi.IsDir() && !fi.Mode().IsRegular() && !o.skipSpecial:
		return usagef("cp: %s is not a regular file or a directory", src)
	}
	return nil
}

// slurpPaths gives each host its own directory under dir, named as its
// -o/-e file would be (outputNames: host:port, or the whole entry when two
// entries share a name; shortened with a digest when too long):
// dir/HOST/base(remote), as pslurp -L.
func slurpPaths(hosts []string, remote, dir string) []pssh.CopyPaths {
	paths := make([]pssh.CopyPaths, len(hosts))
	for i, name := range outputNames(hosts) {
		paths[i].Local = filepath.Join(dir, name, path.Base(remote))
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
	Label      string     `json:"label"`
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
	j := jsonCopy{Host: r.Host, Label: r.Label, Index: r.Index, Local: r.Local, Remote: r.Remote, Bytes: r.Bytes,
		Files: r.Files, Skipped: r.Skipped, DurationMS: r.Elapsed.Milliseconds()}
	if r.Err != nil {
		j.Error = &jsonError{Kind: kind, Text: r.Err.Error()}
	}
	b, err := json.Marshal(j)
	if err != nil { // cannot happen: every field marshals
		b = fmt.Appendf(nil, `{"host":%q,"error":{"kind":"other","text":%q}}`, r.Host, err.Error())
	}
	return append(escape.JSON(b), '\n') // C1 and bidirectional controls too
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
			failed = append(failed, r.Label)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "pssh: %d hosts in %v: %s, %s, %s copied\n", len(results), time.Since(c.begin).Round(10*time.Millisecond),
		c.p.paintIf(ok > 0, green, fmt.Sprintf("%d succeeded", ok)),
		c.p.paintIf(len(failed) > 0, red, fmt.Sprintf("%d failed", len(failed))), humanBytes(bytesDone))
	if len(failed) > 0 {
		fmt.Fprintf(&b, "pssh: failed: %s\n", shown(hostlist.Fold(failed)))
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
