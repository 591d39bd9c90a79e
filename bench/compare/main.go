// Command compare measures the pssh CLI against its peers on the same
// private OpenSSH server, in one run, and writes a markdown table of the
// results:
//
//	go run ./bench/compare                                # the full matrix: about 30 minutes on 2 quiet cores
//	go run ./bench/compare -n 1,10 -reps 1 -stream-bytes 100000000 -transfer=false
//
// The peers are the classic pssh CLI (Debian's package "pssh", binary
// parallel-ssh), pdsh -R ssh, clush (ClusterShell), a script using the
// Python library asyncssh (asyncssh_run.py, one process for all hosts) and
// a shell loop starting one OpenSSH ssh per host. Missing peers are
// installed first with apt-get (install-peers.sh; -install=false skips
// that). It must run as root on a Debian-like machine, inside this
// repository, on an otherwise idle machine.
//
// It starts one sshd (internal/opensshd) listening on 127.0.0.1 to
// 127.0.0.10 with MaxStartups and MaxSessions raised, UsePAM and UseDNS
// off, logging in as the /bin/sh user pssh-test (created if missing), and
// raises RLIMIT_NOFILE for itself, sshd and the tools. Every tool reads one
// generated ssh_config (hosts h0, h1, … each with its own HostName
// 127.0.0.(1+i%10), one key, one known_hosts file, StrictHostKeyChecking
// yes) and a hosts file, so pdsh and clush, which drop duplicate names,
// see N distinct hosts. Each tool's fan-out is N.
//
// The work: the -cmd command (default true) on each -n host count; one
// host printing -stream-bytes bytes of stdout (head -c … /dev/zero),
// discarded; and, with -transfer, bench/transfer's SFTP and SCP numbers.
// Each repetition runs every tool once, in turn, so that drift hits all
// alike. For every run it measures wall time, client CPU (user+system of
// the tool and every child it waited for: wait4's rusage) and peak RSS
// (the largest single process, from GNU time), and checks that every host
// succeeded; a run where a host failed is reported as failed, not timed.
//
// The results go to bench/results/YYYY-MM-DD-HOSTNAME.md (-out), rewritten
// after each piece of work, with the machine, the versions, the command
// line, medians, and the ratio of pssh to the best peer in each column.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopssh/pssh/internal/opensshd"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("compare: ")
	c, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

// run does the whole benchmark.
func run(c *config) error {
	began := time.Now()
	// From the start, so that an interrupt still restores what was changed
	// (the scheduler setting) and removes what was made.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "pssh-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if c.install {
		if err := installPeers(tmp); err != nil {
			return err
		}
	}
	limits := raiseNofile()
	sched, restore, err := setAutogroup(autogroupPath, c.autogroupOff)
	defer restore()
	if err != nil {
		return err
	}
	limits += "; " + sched.String()
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		limits += "; load average at start " + loadAverage(string(data))
	}
	if err := opensshd.PrepareTestUser(); err != nil {
		return err
	}
	psshBin := c.psshBin
	if psshBin == "" {
		psshBin = filepath.Join(tmp, "pssh")
		if err := goBuild(root, "./cmd/pssh", psshBin); err != nil {
			return err
		}
	}

	var ips []string
	for i := 1; i <= c.addrs; i++ {
		ips = append(ips, "127.0.0."+strconv.Itoa(i))
	}
	srv, err := opensshd.Start(opensshd.Options{Addrs: ips, ExtraConfig: sshdConfig(c)})
	if err != nil {
		return err
	}
	defer srv.Close()
	shm, err := os.MkdirTemp("/dev/shm", "pssh-compare-")
	if err != nil {
		shm, err = os.MkdirTemp(tmp, "out-")
		if err != nil {
			return err
		}
	}
	defer os.RemoveAll(shm)

	ws := &workspace{
		dir: tmp, sshConfig: filepath.Join(tmp, "ssh_config"),
		user: opensshd.TestUser, key: srv.ClientKeyFile, known: srv.KnownHostsFile, port: srv.Port,
		pssh: psshBin, python: systemPython, script: filepath.Join(tmp, "asyncssh_run.py"),
		shmDir: shm, timeout: c.connectTimeout,
	}
	var lat *latency
	if len(c.rtts) > 0 {
		if lat, err = startLatency(srv, tmp); err != nil {
			return err
		}
		defer lat.Close()
		ws.known = lat.known
	}
	fl := fleet{ips: ips, port: srv.Port, user: ws.user, identityFile: ws.key, knownHostsFile: ws.known,
		connectTimeout: c.connectTimeout, extra: c.sshOptions}
	if lat != nil {
		fl.ips = lat.ips
	}
	if err := ws.writeFiles(fl, c.hosts); err != nil {
		return err
	}
	sshd, _ := opensshd.SSHDPath()
	m := describeMachine(ws, sshd, repoRevision(root))

	out := c.out
	now := time.Now()
	if out == "" {
		name := now.Format("2006-01-02") + "-" + m.host
		if len(c.rtts) > 0 {
			name += "-latency"
		}
		out = filepath.Join(root, "bench", "results", name+".md")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	header := m.header(now.Format("2006-01-02"), shellQuote(append([]string{"go", "run", "./bench/compare"}, os.Args[1:]...)), limits)

	var works []work
	for _, n := range c.hosts {
		works = append(works, work{kind: fanoutWork, hosts: n, command: c.command})
	}
	if c.streamBytes > 0 {
		works = append(works, work{kind: streamWork, hosts: 1, bytes: c.streamBytes})
	}
	var tools []tool
	for _, t := range allTools() {
		if !slices.Contains(c.tools, t.name) {
			continue
		}
		if why := missingTool(t, ws); why != "" {
			log.Printf("skipping %s: %s", t.name, why)
			header += fmt.Sprintf("\nSkipped %s: %s.\n", t.label, why)
			continue
		}
		tools = append(tools, t)
	}

	var sections []string
	if lat != nil {
		// Only fan-out work (-rtt turns the rest off), at each RTT.
		sections, err = measureLatency(ctx, c, lat, works, func(wk work) []row {
			return measure(ctx, ws, wk, tools, c.reps, c.runTimeout, func() { settle(ctx, srv) })
		}, func(sections []string, results []fanoutResult) error {
			// The chart beside the tables, and shown first among them.
			chart := strings.TrimSuffix(out, ".md") + ".svg"
			if err := os.WriteFile(chart, chartSVG(results), 0o644); err != nil {
				return err
			}
			image := fmt.Sprintf("![wall time against N, a panel per RTT](%s)\n", filepath.Base(chart))
			return writeResults(out, header, append([]string{image}, sections...))
		})
		if err != nil {
			return err
		}
		works = nil
	}
	for _, wk := range works {
		rows := measure(ctx, ws, wk, tools, c.reps, c.runTimeout, func() { settle(ctx, srv) })
		if len(rows) > 0 {
			sections = append(sections, table(wk, rows))
			if err := writeResults(out, header, sections); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; partial results in %s", out)
		}
	}
	if c.transfer {
		text, err := runTransfer(ctx, root, tmp, c.reps, c.transferArgs)
		if err != nil {
			return fmt.Errorf("bench/transfer: %w (the other results are in %s)", err, out)
		}
		sections = append(sections, text)
		if err := writeResults(out, header, sections); err != nil {
			return err
		}
	}
	log.Printf("wrote %s after %v", out, time.Since(began).Round(time.Second))
	return nil
}

// measure runs every tool that takes part in wk reps times, interleaved
// (rep 1: every tool; rep 2: every tool …), and summarizes each. It calls
// settle before each run.
func measure(ctx context.Context, ws *workspace, wk work, tools []tool, reps int, limit time.Duration, settle func()) []row {
	var active []tool
	for _, t := range tools {
		if (wk.kind == fanoutWork && t.fanout != nil) || (wk.kind == streamWork && t.stream != nil) {
			active = append(active, t)
		}
	}
	samples := make([][]sample, len(active))
	for rep := 1; rep <= reps && ctx.Err() == nil; rep++ {
		for i, t := range active {
			if ctx.Err() != nil {
				break
			}
			var j job
			if wk.kind == streamWork {
				j = t.stream(ws, wk.bytes)
			} else {
				j = t.fanout(ws, wk.hosts, wk.command)
			}
			settle()
			runCtx, cancel := context.WithTimeout(ctx, limit)
			s := j.run(runCtx)
			cancel()
			samples[i] = append(samples[i], s)
			status := "ok"
			if s.err != nil {
				status = "FAILED: " + oneLine(s.err.Error(), 400)
			}
			log.Printf("%s, rep %d/%d, %-14s wall %7.2fs  cpu %7.2fs  rss %6.1f MB  %s",
				wk.title(), rep, reps, t.name, s.wall.Seconds(), s.cpu.Seconds(), float64(s.maxRSS)/1e6, status)
		}
	}
	rows := make([]row, len(active))
	for i, t := range active {
		label := t.label
		if wk.kind == streamWork && t.streamLabel != "" {
			label = t.streamLabel
		}
		rows[i] = row{name: t.name, label: label, ours: t.ours, sum: summarize(samples[i])}
	}
	return rows
}

// sshdConfig returns the sshd_config lines added to internal/opensshd's
// defaults (which already raise MaxStartups to 3000 and MaxSessions, and
// turn UsePAM and UseDNS off): room for every host to be starting at once,
// and time for all to authenticate when a thousand handshakes share two
// cores, so that the server's limits fail no tool.
func sshdConfig(c *config) []string {
	startups := 3000
	for _, n := range c.hosts {
		startups = max(startups, n+100)
	}
	return []string{
		fmt.Sprintf("MaxStartups %d:30:%d", startups, startups),
		fmt.Sprintf("LoginGraceTime %d", 2*c.connectTimeout),
	}
}

// settleTimeout bounds the wait for the server to close the previous run's
// connections.
const settleTimeout = 30 * time.Second

// settle waits until sshd has closed every connection of the previous
// run, so that one tool's tail does not slow the next one down.
func settle(ctx context.Context, srv *opensshd.Server) {
	deadline := time.Now().Add(settleTimeout)
	for srv.Children() > 0 && ctx.Err() == nil {
		if time.Now().After(deadline) {
			log.Printf("sshd still has %d processes after %v; going on", srv.Children(), settleTimeout)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeResults writes the header and the sections to path.
func writeResults(path, header string, sections []string) error {
	text := header
	for _, s := range sections {
		text += "\n" + s
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
