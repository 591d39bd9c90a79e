package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/internal/workpool"
)

// runOptions are the flags of a run, "pssh [flags] COMMAND..." and "pssh
// nuke": the hosts and the connection, how the commands run, and how their
// output is shown.
type runOptions struct {
	options

	par       int           // -p
	timeout   time.Duration // -t
	sendInput bool          // -I
	sudo      bool
	pty       bool
	env       map[string]string // --env NAME=VALUE

	inline    bool   // -i
	inlineOut bool   // --inline-stdout
	print     bool   // -P
	gather    bool   // -b
	gatherAll bool   // -B: -b with stderr gathered with stdout
	byHost    bool   // -L
	raw       bool   // --raw: the output as it is, on a terminal too
	outDir    string // -o
	errDir    string // -e
	json      bool
	verbose   bool // -v

	rollout       rolloutOptions // --batch, --canary, --max-fail, --pause (rollout.go)
	diff          bool           // --diff (diff.go)
	submitOptions                // --nats and the rest (submit.go)
}

// Defaults. -p 0 stands for the library's default pool,
// pssh.DefaultPoolSize (1024) lowered until that many connections fit under
// the open file limit: chosen by measurement (BenchmarkFleetLatency, the
// README's "Choosing -p"), where the classic parallel-ssh's 32 at once,
// sized for one ssh process per host, spends most of a run on 100 ms
// round trips. No limit on a host's time, as the classic parallel-ssh (a
// long upgrade must not be killed half-way).
const (
	defaultPar     = 0
	defaultTimeout = 0
)

// parUsage is the help of -p for commands that run on the hosts, what
// as its start.
func parUsage(what string) string {
	return fmt.Sprintf("%s (default %d, fewer if the open file limit is lower)", what, pssh.DefaultPoolSize)
}

// addRunFlags defines the flags of a run.
func addRunFlags(fs *pflag.FlagSet, o *runOptions) {
	addHostFlags(fs, &o.options)
	addConnectionFlags(fs, &o.options)
	g := flagGroup{fs, runningGroup}
	g.int(&o.par, "par", "p", "N", defaultPar, 1, parUsage("commands running at once; each further host starts as another finishes"))
	g.seconds(&o.timeout, "timeout", "t", defaultTimeout, "limit per host, connecting included; 0 = none (default)")
	g.switchFlag(&o.sendInput, "send-input", "I", "read standard input once and send it to every host")
	g.switchFlag(&o.sudo, "sudo", "", "run the command with sudo")
	g.switchFlag(&o.pty, "pty", "", "ask for a pseudo-terminal (stderr joins stdout)")
	g.value(&envValue{&o.env}, "env", "", "NAME=VALUE", "environment variable for the command (repeatable; the server must accept it: AcceptEnv)")
	addRunOutputFlags(fs, o)
	addRolloutFlags(fs, &o.rollout)
	addSubmitFlags(flagGroup{fs, clusterGroup}, &o.submitOptions)
}

// addRunOutputFlags defines the flags of a run's views and output files:
// those of a run, and of "pssh attach".
func addRunOutputFlags(fs *pflag.FlagSet, o *runOptions) {
	g := flagGroup{fs, runOutputGroup}
	g.switchFlag(&o.inline, "inline", "i", "each host's output under its line")
	g.switchFlag(&o.inlineOut, "inline-stdout", "", "the same, stdout only")
	g.switchFlag(&o.print, "print", "P", `print lines as they arrive, as "host: line"`)
	g.switchFlag(&o.gather, "gather", "b", "print each distinct output once under its hosts, folded: web[01-18,20] (19)")
	addDiffFlag(g, &o.diff)
	addHabitOutputFlags(g, o)
	g.switchFlag(&o.raw, "raw", "", "on a terminal too, show the output as it is, escape sequences and all")
	g.string(&o.outDir, "outdir", "o", "DIR", "write each host's stdout to DIR/HOST")
	g.string(&o.errDir, "errdir", "e", "DIR", "write each host's stderr to DIR/HOST")
	addReportFlags(g, &o.json, &o.verbose)
}

// addReportFlags defines the flags that runs and copies report with.
func addReportFlags(g flagGroup, json, verbose *bool) {
	g.switchFlag(json, "json", "", "one JSON object per host per line")
	g.switchFlag(verbose, "verbose", "v", "print each failed host's full error, and warnings (known_hosts lines skipped)")
}

// envValue is --env NAME=VALUE, repeatable.
type envValue struct{ dst *map[string]string }

func (v *envValue) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return usagef("--env %q: give NAME=VALUE", s)
	}
	if *v.dst == nil {
		*v.dst = map[string]string{}
	}
	(*v.dst)[name] = value
	return nil
}

func (v *envValue) String() string { return strings.Join(v.GetSlice(), " ") }
func (v *envValue) Type() string   { return "env" }

// GetSlice makes the flag repeatable for completion.
func (v *envValue) GetSlice() []string {
	var s []string
	for name, value := range *v.dst {
		s = append(s, name+"="+value)
	}
	slices.Sort(s)
	return s
}

// setup turns the options into the client configuration.
func setup(o *options, stderr io.Writer) (*pssh.Config, error) {
	var s sshSettings
	for _, opt := range o.sshOptions {
		if err := s.option(opt); err != nil {
			return nil, err
		}
	}
	if err := s.sshArgs(append(append([]string(nil), o.extraArgs...), o.extraArg...)); err != nil {
		return nil, err
	}
	if o.knownHosts != "" {
		p, err := hostKeyPolicy("--known-hosts", o.knownHosts)
		if err != nil {
			return nil, err
		}
		s.policy = p
	}
	if o.jump != "" {
		s.proxyJump = o.jump
	}
	if o.forwardAgent {
		s.forwardAgent = true
	}
	if s.proxyJump != "" && s.proxyCommand != "" && s.proxyJump != "none" && s.proxyCommand != "none" {
		return nil, usagef("give a jump host (-J, ProxyJump) or a ProxyCommand, not both")
	}
	if o.user != "" {
		s.user = o.user
	}
	if o.port != 0 {
		s.port = o.port
	}
	if o.key != "" {
		s.keyFile = o.key
	}
	if o.connectTO > 0 {
		s.connectTO = o.connectTO
	}
	if o.handshakeTO > 0 {
		s.handshakeTO = o.handshakeTO
	}
	if o.configFile != "" {
		s.configFile = o.configFile
	}
	if err := s.control.flags(o.controlPersist, o.controlPath); err != nil {
		return nil, err
	}
	o.control = s.control
	cfg := &pssh.Config{Retries: o.retries, MergeSameHosts: !o.allowDups}
	s.apply(cfg, stderr)
	if o.retries > 0 {
		cfg.Retries = o.retries
	}
	return cfg, nil
}

// A session is what a command that reaches hosts works with: its hosts,
// the client for them, and a context that the first Ctrl-C, SIGTERM or
// SIGHUP ends, or a closed standard output (see interruptible).
type session struct {
	hosts  []string // the client's (Client.Hosts)
	labels []string // how each host is shown and its -o/-e file named (Client.HostLabels)
	client *pssh.Client
	cfg    *pssh.Config // the client's, for more clients of the same hosts' kind
	ctx    context.Context
	stop   context.CancelCauseFunc
	// ios are the streams to report on: startup's, with a standard output
	// whose closing (EPIPE) ends ctx.
	ios *ioStreams
	// stopServing, if set, ends the control master this invocation runs
	// for others while it works (ControlMaster without ControlPersist).
	stopServing func()
}

// close stops catching signals and closes the client.
func (s *session) close() {
	s.stop(nil)
	if s.stopServing != nil {
		s.stopServing()
	}
	s.client.Close()
}

// serveControl lends the session's connections to other invocations on
// the socket path while the session lasts.
func (s *session) serveControl(path string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.client.ServeControl(ctx, path, nil); err != nil {
			fmt.Fprintf(s.ios.ErrOut, "pssh: warning: %v\n", err)
		}
	}()
	s.stopServing = func() {
		cancel()
		<-done
	}
}

// startup is what connect needs besides the options.
type startup struct {
	ios       *ioStreams
	poolSize  int  // pssh.Config.PoolSize
	canPrompt bool // a key's passphrase may be asked for on the terminal
	verbose   bool // -v: note the ssh_config keywords pssh does not apply, print the client's warnings
	// checkHosts refuses a host list the command cannot work with; nil
	// refuses an empty one.
	checkHosts func(hosts []string) error
	// prepare, if set, runs once the configuration is made, before any
	// secret is asked for.
	prepare func() error
	// ownSignals: the command catches Ctrl-C itself (interactive mode);
	// SIGTERM and SIGHUP still end the session's context.
	ownSignals bool
	// keepConnections: the command runs several commands on the hosts
	// (interactive mode), so their connections are kept between them.
	keepConnections bool
	// master: the session is a control master's ("pssh control serve"),
	// which the control flags describe rather than ask for.
	master bool
}

// connect is how every command that reaches hosts starts: it loads the
// hosts and checks them, turns the options into the client's
// configuration, prepares, gathers the secrets (see loadSecrets), opens
// the client (under -v noting the ssh_config keywords pssh does not apply
// and printing its warnings), warning when the open file limit is too low
// for the hosts even after the client raised it, and catches Ctrl-C,
// SIGTERM, SIGHUP and a closed standard output (written through the
// session's ios).
func connect(o *options, s startup) (*session, error) {
	hosts, err := loadHosts(o)
	if err != nil {
		return nil, err
	}
	check := s.checkHosts
	if check == nil {
		check = needHosts
	}
	if err := check(hosts); err != nil {
		return nil, err
	}
	cfg, err := setup(o, s.ios.ErrOut)
	if err != nil {
		return nil, err
	}
	cfg.PoolSize = s.poolSize
	cfg.HostConfig = o.hostConfigs(hosts)
	// One command per run: a host's connection is closed as soon as the
	// host is done, so that -p N hosts at a time need N connections'
	// descriptors, not one per host until the end.
	cfg.CloseConnections = !s.keepConnections
	if s.prepare != nil {
		if err := s.prepare(); err != nil {
			return nil, err
		}
	}
	if err := loadSecrets(o, cfg, s.canPrompt); err != nil {
		return nil, err
	}
	var serveHere string // the control socket this invocation serves on
	if !s.master {
		if serveHere, err = useControl(o, cfg, s.ios.ErrOut); err != nil {
			return nil, err
		}
		if serveHere != "" {
			cfg.CloseConnections = false // kept for the others
		}
	}
	client, err := pssh.New(hosts, cfg)
	if err != nil {
		return nil, err
	}
	noteMerged(s.ios.ErrOut, client, s.verbose)
	if s.verbose {
		noteNotApplied(s.ios.ErrOut, client)
		for _, w := range client.Warnings() {
			fmt.Fprintf(s.ios.ErrOut, "pssh: warning: %s\n", w)
		}
	}
	if l := client.FileLimit(); !l.Fits() {
		hosts, fewer := fmt.Sprintf("%d hosts", l.Hosts), "give fewer hosts"
		if l.AtOnce < l.Hosts {
			hosts, fewer = fmt.Sprintf("%d hosts, %d at a time (-p),", l.Hosts, l.AtOnce), "lower -p"
		}
		fmt.Fprintf(s.ios.ErrOut, "pssh: warning: %s need about %d open files, but the limit is %d (hard %d): hosts past it will fail with \"too many open files\"; raise it with ulimit -Hn, or %s\n",
			hosts, l.Need, l.Soft, l.Hard, fewer)
	}
	ctx, stop := interruptible(s.ownSignals)
	ios := *s.ios
	ios.Out = watchClosed(ios.Out, func() { stop(errStdoutClosed) })
	// The client's hosts: entries that are the same host merged.
	sess := &session{hosts: client.Hosts(), labels: client.HostLabels(), client: client, cfg: cfg, ctx: ctx, stop: stop, ios: &ios}
	if serveHere != "" {
		sess.serveControl(serveHere)
	}
	return sess, nil
}

// par is -p as a command uses it: as given, or the client's default pool
// (see defaultPar).
func (s *session) par(given int) int {
	if given > 0 {
		return given
	}
	return s.client.FileLimit().PoolSize
}

// needHosts refuses an empty host list.
func needHosts(hosts []string) error {
	if len(hosts) == 0 {
		return usagef("%v", errNoHosts)
	}
	return nil
}

// runCommand runs command on the hosts of o and reports as o asks.
func runCommand(o *runOptions, command string, ios *ioStreams) error {
	if o.gatherAll {
		o.gather = true // -B is -b, stderr and all
	}
	if o.detach && o.urls() == "" {
		return usagef("--detach needs --nats (or $%s): only a run handed to workers goes on without pssh", cluster.EnvNATS)
	}
	if o.urls() != "" {
		return submitCommand(o, command, ios)
	}
	var input []byte
	s, err := connect(&o.options, startup{
		ios:       ios,
		poolSize:  o.par,
		verbose:   o.verbose,
		canPrompt: ios.stdinTTY && !o.sendInput, // -I reads standard input
		prepare: func() error {
			if err := makeOutputDirs(o.outDir, o.errDir); err != nil {
				return err
			}
			if o.sendInput {
				var err error
				if input, err = io.ReadAll(ios.In); err != nil {
					return fmt.Errorf("reading standard input: %w", err)
				}
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	defer s.close()
	ropt := &pssh.RunOptions{
		ContinueOnErrors: true,
		HostTimeout:      o.timeout,
		Sudo:             o.sudo,
		UsePTY:           o.pty,
		Env:              o.env,
		NodeEnv:          true, // PSSH_NODENUM and PSSH_HOST, as the classic pssh
	}

	p := runPrinter(o, s.ios)
	var tracker *rolloutTracker
	if o.rollout.rolling() {
		tracker = &rolloutTracker{p: p, quiet: o.json}
	}
	// As the classic pssh: at most -p commands run at once, each host
	// starting as another finishes, all on the one client; in batches with
	// the rollout flags (see rollout.go).
	o.par = s.par(o.par)
	ropt.Rollout = o.rollout.rollout(o.par, tracker)
	outputs, err := s.client.Run(s.ctx, command, ropt) // the hosts' errors are on their outputs
	if err != nil {
		return err
	}
	return reportRun(o, p, s.ctx, s.labels, tracker, func(collect func(*pssh.HostOutput)) {
		// The hosts start in order, at most -p at once: -p collectors
		// taking them in order drain every running host.
		workpool.Each(len(outputs), o.par, func(i int) {
			go feedInput(outputs[i], input)
			collect(outputs[i])
		})
		if tracker != nil {
			// Every host finished; Join returns once the rollout's
			// last batch report is in the tracker.
			s.client.Join(context.Background(), outputs, nil)
		}
	})
}

// runPrinter is the printer of a run's views: escaped on a terminal
// unless --raw.
func runPrinter(o *runOptions, ios *ioStreams) *printer {
	p := newPrinter(ios)
	if o.raw {
		p.escOut, p.escErr = false, false
	}
	return p
}

// reportRun shows a run's hosts with p as o asks and returns its exit
// status: start hands each host's output, once, to collect, which returns
// when the host has finished and been reported (a direct run calls it
// from its pool; a run through workers as each host starts); the summary
// is written once start has returned too. ctx is the run's: ended, the
// run was interrupted. labels are the hosts as shown and as their -o/-e
// files are named. tracker, if not nil, follows a rollout's batches.
func reportRun(o *runOptions, p *printer, ctx context.Context, labels []string, tracker *rolloutTracker, start func(collect func(*pssh.HostOutput))) error {
	r := newReporter(o, p, len(labels))
	if o.outDir != "" || o.errDir != "" {
		r.fileNames = outputNames(labels)
	}
	r.startProgress()
	results := make(chan *result)
	started := make(chan struct{})
	go func() {
		defer close(started)
		start(func(out *pssh.HostOutput) { results <- r.collect(out) })
	}()
	for range labels {
		r.finished(<-results)
	}
	<-started
	r.p.endProgress()
	interrupted := ctx.Err() != nil
	if interrupted {
		fmt.Fprintln(p.stderr, interruptedText(ctx))
	}
	r.finish()
	if tracker != nil {
		r.p.write(r.p.stderr, []byte(tracker.summary(r.byIndex())))
	}
	r.record(&o.groupOptions, p.stderr)
	status := r.exitStatus()
	if interrupted && status == exitOK {
		status = exitKilled
	}
	return exitCode(status)
}

// runHosts runs n hosts as the classic pssh: at most par at once, each
// host starting as another finishes. start starts host i; each host gets
// input, and is reported to r as it finishes.
func runHosts(n, par int, start func(i int) *pssh.HostOutput, input []byte, r *reporter) {
	results := make(chan *result)
	go workpool.Each(n, par, func(i int) {
		out := start(i)
		go feedInput(out, input)
		results <- r.collect(out)
	})
	for range n {
		r.finished(<-results)
	}
}

// feedInput sends input (read once from pssh's stdin with -I) to one host,
// then closes its stdin so the command sees the end of its input.
func feedInput(out *pssh.HostOutput, input []byte) {
	if out.Stdin == nil {
		return
	}
	if len(input) > 0 {
		out.Stdin.Write(input)
	}
	out.Stdin.Close()
}

// elapsedSince is time.Since, rounded for people.
func elapsedSince(t time.Time) time.Duration {
	return time.Since(t).Round(10 * time.Millisecond)
}
