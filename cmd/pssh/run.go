package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/workpool"
)

var version = "devel"

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "testbed":
			return runTestbed(args[1:], stdin, stdout, stderr)
		case "nuke":
			return runNuke(args[1:], stdin, stdout, stderr)
		case "cp", "slurp":
			return runCopy(args[0], args[1:], stdout, stderr)
		case "forward":
			return runForward(args[1:], stdout, stderr)
		}
	}
	o, err := parseFlags(args)
	if err != nil {
		return fail(stderr, err)
	}
	switch {
	case o.help:
		io.WriteString(stdout, usageText)
		return exitOK
	case o.version:
		fmt.Fprintln(stdout, "pssh", version)
		return exitOK
	}
	if len(o.command) == 0 {
		return fail(stderr, usagef("no command given: pssh [flags] COMMAND..."))
	}
	if len(o.forwards) > 0 {
		return fail(stderr, usagef("-L, -R and -D are for pssh forward"))
	}
	return runCommand(o, o.remoteCommand(), stdin, stdout, stderr)
}

// fail reports err and returns its exit status: 2 for usage errors.
func fail(stderr io.Writer, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "pssh: %v\nRun 'pssh --help' for usage.\n", err)
		return exitUsage
	}
	// The library's errors already start with "pssh: ".
	fmt.Fprintf(stderr, "pssh: %s\n", strings.TrimPrefix(err.Error(), "pssh: "))
	return exitMisc
}

// setup turns the options into the client configuration and run options.
func setup(o *options, stderr io.Writer) (*pssh.Config, *pssh.RunOptions, error) {

	var s sshSettings
	for _, opt := range o.sshOptions {
		if err := s.option(opt); err != nil {
			return nil, nil, err
		}
	}
	if err := s.sshArgs(append(append([]string(nil), o.extraArgs...), o.extraArg...)); err != nil {
		return nil, nil, err
	}
	if o.knownHosts != "" {
		p, err := hostKeyPolicy("--known-hosts", o.knownHosts)
		if err != nil {
			return nil, nil, err
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
		return nil, nil, usagef("give a jump host (-J, ProxyJump) or a ProxyCommand, not both")
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
	if o.configFile != "" {
		s.configFile = o.configFile
	}
	cfg := &pssh.Config{PoolSize: o.par, Retries: o.retries}
	s.apply(cfg, stderr)
	if o.retries > 0 {
		cfg.Retries = o.retries
	}
	ropt := &pssh.RunOptions{
		ContinueOnErrors: true,
		HostTimeout:      o.timeout,
		Sudo:             o.sudo,
		UsePTY:           o.pty,
		Env:              o.env,
	}
	return cfg, ropt, nil
}

// runCommand runs command on the hosts of o and reports as o asks.
func runCommand(o *options, command string, stdin io.Reader, stdout, stderr io.Writer) int {
	hosts, err := loadHosts(o)
	if err != nil {
		return fail(stderr, err)
	}
	if len(hosts) == 0 {
		return fail(stderr, usagef("%v", errNoHosts))
	}
	cfg, ropt, err := setup(o, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	for _, dir := range []string{o.outDir, o.errDir} {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fail(stderr, err)
			}
		}
	}
	var input []byte
	if o.sendInput {
		if input, err = io.ReadAll(stdin); err != nil {
			return fail(stderr, fmt.Errorf("reading standard input: %w", err))
		}
	}
	client, err := openClient(o, hosts, cfg, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer client.Close()
	ctx, stop := interruptible()
	defer stop()

	r := newReporter(o, newPrinter(stdout, stderr), len(hosts))
	r.startProgress()
	// As the classic pssh: at most -p commands run at once, each host
	// starting as another finishes, all on the one client.
	results := make(chan *result)
	go workpool.Each(len(hosts), o.par, func(i int) {
		hopt := *ropt
		hopt.Hosts = []int{i}
		outputs, _ := client.Run(ctx, command, &hopt) // errors are on the output
		go feedInput(outputs[0], input)
		results <- r.collect(outputs[0])
	})
	for range hosts {
		r.finished(<-results)
	}
	r.p.endProgress()
	interrupted := ctx.Err() != nil
	if interrupted {
		fmt.Fprintln(stderr, "pssh: interrupted")
	}
	r.finish()
	status := r.exitStatus()
	if interrupted && status == exitOK {
		status = exitKilled
	}
	return status
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

// openClient gathers the secrets (see loadSecrets), then makes the client
// for hosts, warning on stderr when the open file limit is too low for them
// even after the client raised it.
func openClient(o *options, hosts []string, cfg *pssh.Config, stderr io.Writer) (*pssh.Client, error) {
	if err := loadSecrets(o, cfg); err != nil {
		return nil, err
	}
	c, err := pssh.New(hosts, cfg)
	if err != nil {
		return nil, err
	}
	if l := c.FileLimit(); !l.Fits() {
		fmt.Fprintf(stderr, "pssh: warning: %d hosts need about %d open files, but the limit is %d (hard %d): hosts past it will fail with \"too many open files\"; raise it with ulimit -Hn, or give fewer hosts\n",
			l.Hosts, l.Need, l.Soft, l.Hard)
	}
	return c, nil
}

// interruptible returns a context that the first Ctrl-C (or SIGTERM) ends,
// so that the run stops cleanly; a second one kills pssh at once.
func interruptible() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
