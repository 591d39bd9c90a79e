package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is the parsed command line.
type config struct {
	hosts          []int    // -n
	reps           int      // -reps
	tools          []string // -tools, names of allTools
	command        string   // -cmd
	streamBytes    int64    // -stream-bytes, 0 to skip
	transfer       bool     // -transfer
	transferArgs   []string // -transfer-args, split on spaces
	out            string   // -out
	install        bool     // -install
	runTimeout     time.Duration
	connectTimeout int // seconds
	addrs          int
	psshBin        string
	sshOptions     []string        // -ssh-option, ssh_config lines for every host
	autogroupOff   bool            // -sched-autogroup=off
	rtts           []time.Duration // -rtt: latency mode's round-trip times
}

// listFlag is a repeatable string flag.
type listFlag []string

// String implements flag.Value.
func (l *listFlag) String() string { return strings.Join(*l, "; ") }

// Set implements flag.Value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// defaultHosts is the -n default.
const defaultHosts = "1,10,100,500,1000"

// parseFlags parses args (without the program name).
func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	var names []string
	for _, t := range allTools() {
		names = append(names, t.name)
	}
	c := &config{}
	nList := fs.String("n", defaultHosts, "comma-separated host counts for the fan-out command")
	fs.IntVar(&c.reps, "reps", 3, "repetitions; each runs every tool once, and medians are reported")
	toolList := fs.String("tools", strings.Join(names, ","), "comma-separated tools to run")
	fs.StringVar(&c.command, "cmd", "true", "the fan-out command")
	fs.Int64Var(&c.streamBytes, "stream-bytes", 1_000_000_000, "bytes of stdout streamed from one host; 0 skips it")
	fs.BoolVar(&c.transfer, "transfer", true, "also run bench/transfer (SFTP and SCP send/fetch) and include its output")
	transferArgs := fs.String("transfer-args", "", `arguments for bench/transfer besides -reps, e.g. "-big 256 -small 20"`)
	fs.StringVar(&c.out, "out", "", "results file (default bench/results/YYYY-MM-DD-HOSTNAME.md in the repository)")
	fs.BoolVar(&c.install, "install", true, "install missing peers with apt-get first (bench/compare/install-peers.sh)")
	fs.DurationVar(&c.runTimeout, "run-timeout", 10*time.Minute, "limit for one run of one tool")
	fs.IntVar(&c.connectTimeout, "connect-timeout", 60, "connect timeout in seconds given to every tool (sshd's LoginGraceTime is twice that)")
	fs.IntVar(&c.addrs, "addrs", 10, "loopback addresses sshd listens on (127.0.0.1 up)")
	fs.StringVar(&c.psshBin, "pssh", "", "a pssh binary to measure (default: go build ./cmd/pssh)")
	fs.Var((*listFlag)(&c.sshOptions), "ssh-option", `an ssh_config line for every host, repeatable, e.g. "KexAlgorithms curve25519-sha256" (pssh and asyncssh ignore most keywords)`)
	rttList := fs.String("rtt", "", `latency mode: comma-separated round-trip times, e.g. "0,20ms,100ms"; every tool then reaches sshd through a delaying proxy, the fan-out runs at each RTT, and streaming and transfer are skipped`)
	autogroup := fs.String("sched-autogroup", "off", "off: turn the kernel's scheduler autogroups off during the run (restored after); keep: leave them")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.hosts, err = parseCounts(*nList); err != nil {
		return nil, fmt.Errorf("-n: %w", err)
	}
	if c.tools, err = parseTools(*toolList, names); err != nil {
		return nil, fmt.Errorf("-tools: %w", err)
	}
	if c.rtts, err = parseRTTs(*rttList); err != nil {
		return nil, fmt.Errorf("-rtt: %w", err)
	}
	if len(c.rtts) > 0 {
		c.streamBytes, c.transfer = 0, false
	}
	c.transferArgs = strings.Fields(*transferArgs)
	switch *autogroup {
	case "off":
		c.autogroupOff = true
	case "keep":
	default:
		return nil, fmt.Errorf("-sched-autogroup: %q is neither off nor keep", *autogroup)
	}
	switch {
	case c.reps < 1:
		return nil, fmt.Errorf("-reps must be at least 1")
	case c.streamBytes < 0:
		return nil, fmt.Errorf("-stream-bytes must not be negative")
	case c.addrs < 1 || c.addrs > 254:
		return nil, fmt.Errorf("-addrs must be 1 to 254")
	case c.connectTimeout < 1:
		return nil, fmt.Errorf("-connect-timeout must be at least 1")
	}
	return c, nil
}

// parseCounts parses "1,10,100": positive, distinct, in the order given;
// "" means none.
func parseCounts(s string) ([]int, error) {
	return parseList(s, func(f string) (int, error) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%q is not a positive number", f)
		}
		return n, nil
	})
}

// parseList parses a comma-separated list of distinct values, each by
// parse, in the order given; "" means none.
func parseList[T comparable](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := parse(f)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("%v given twice", v)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseTools parses a comma-separated list of tool names, each one of
// known, keeping the order of known.
func parseTools(s string, known []string) ([]string, error) {
	want := make(map[string]bool)
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(known, f) {
			return nil, fmt.Errorf("unknown tool %q (known: %s)", f, strings.Join(known, ", "))
		}
		want[f] = true
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no tools")
	}
	var out []string
	for _, k := range known {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}
