package main

// Interactive mode: a prompt that runs each line on every host over the
// connections the first line opened, as clush's interactive mode.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/hostlist"
)

// addInteractiveFlag defines --interactive.
func addInteractiveFlag(fs *pflag.FlagSet, dst *bool) {
	flagGroup{fs, runningGroup}.switchFlag(dst, "interactive", "",
		"a prompt that runs each line on every host over kept connections (the default without COMMAND when stdin is a terminal); :help lists its commands")
}

// errInterrupted is the cause of a command that Ctrl-C stopped.
var errInterrupted = errors.New("interrupted by Ctrl-C")

// member is one host of an interactive session: the client it is on and
// its index there.
type member struct {
	entry  string // as given: [user@]host[:port]
	name   string // as shown: host[:port]
	client *pssh.Client
	index  int
	active bool // false once removed; :add makes it active again
}

// shell is an interactive session.
type shell struct {
	o       *runOptions
	s       *session
	gather  bool // :gather on (the default) or off
	members []*member
	clients []*pssh.Client // made by :add, closed at the end

	mu     sync.Mutex
	cancel context.CancelCauseFunc // the running command's, nil between commands
}

// runInteractive is "pssh --interactive": it connects to the hosts (on
// the first command), reads lines and runs each on every host.
func runInteractive(o *runOptions, ios *ioStreams) error {
	if o.sendInput {
		return usagef("-I and --interactive both read standard input: give one")
	}
	if o.rollout.rolling() || o.diff || o.byHost {
		return usagef("--batch, --canary, --max-fail, --pause, --diff and -L are for one command, not --interactive")
	}
	s, err := connect(&o.options, startup{ios: ios, poolSize: o.par, canPrompt: ios.stdinTTY, ownSignals: true, keepConnections: true})
	if err != nil {
		return err
	}
	defer s.close()
	sh := &shell{o: o, s: s, gather: true}
	for i, h := range s.hosts {
		sh.members = append(sh.members, &member{entry: h, name: displayName(h), client: s.client, index: i, active: true})
	}
	defer func() {
		for _, c := range sh.clients {
			c.Close()
		}
	}()

	// Ctrl-C stops the running command, and only it: at the prompt the
	// terminal is raw and Ctrl-C clears the line instead.
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	go func() {
		for {
			select {
			case <-sigint:
				sh.interrupt()
			case <-s.ctx.Done():
				return
			}
		}
	}()

	in := newLineReader(ios)
	defer in.close()
	fmt.Fprintf(s.ios.Out, "pssh: interactive on %s (%d); :help for commands, Ctrl-D or :quit to leave\n",
		shown(hostlist.Fold(sh.names())), len(sh.names()))
	type read struct {
		line string
		err  error
	}
	for {
		lines := make(chan read, 1)
		go func() {
			l, err := in.readLine("pssh> ")
			lines <- read{l, err}
		}()
		var r read
		select {
		case r = <-lines:
		case <-s.ctx.Done(): // SIGTERM, SIGHUP
			in.close()
			fmt.Fprintln(s.ios.ErrOut, "\n"+interruptedText(s.ctx))
			return exitCode(exitKilled)
		}
		if errors.Is(r.err, io.EOF) {
			fmt.Fprintln(s.ios.Out)
			return nil
		}
		if r.err != nil {
			return fmt.Errorf("reading a command: %w", r.err)
		}
		line := strings.TrimSpace(r.line)
		switch {
		case line == "":
		case strings.HasPrefix(line, ":"):
			if quit := sh.builtin(line); quit {
				return nil
			}
		default:
			sh.run(line)
		}
		if s.ctx.Err() != nil {
			fmt.Fprintln(s.ios.ErrOut, interruptedText(s.ctx))
			return exitCode(exitKilled)
		}
	}
}

// interrupt stops the running command, if any.
func (sh *shell) interrupt() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cancel != nil {
		sh.cancel(errInterrupted)
	}
}

// names are the active hosts' display names.
func (sh *shell) names() []string {
	var names []string
	for _, m := range sh.members {
		if m.active {
			names = append(names, m.name)
		}
	}
	return names
}

// run runs command on every active host, each on its kept connection, and
// shows the output gathered (or as it comes, with :gather off) and how
// each host ended.
func (sh *shell) run(command string) {
	var active []*member
	for _, m := range sh.members {
		if m.active {
			active = append(active, m)
		}
	}
	out := sh.s.ios
	if len(active) == 0 {
		fmt.Fprintln(out.ErrOut, "pssh: no hosts: :add some")
		return
	}
	ctx, cancel := context.WithCancelCause(sh.s.ctx)
	sh.mu.Lock()
	sh.cancel = cancel
	sh.mu.Unlock()
	defer func() {
		sh.mu.Lock()
		sh.cancel = nil
		sh.mu.Unlock()
		cancel(nil)
	}()

	o := *sh.o
	o.gather, o.print = sh.gather, !sh.gather
	o.inline, o.inlineOut, o.byHost, o.json = false, false, false, false
	p := newPrinter(out)
	p.progress = false
	r := newReporter(&o, p, len(active))
	ropt := &pssh.RunOptions{ContinueOnErrors: true, HostTimeout: o.timeout, Sudo: o.sudo, UsePTY: o.pty, Env: o.env, NodeEnv: true}
	runHosts(len(active), sh.s.par(o.par), func(i int) *pssh.HostOutput {
		hopt := *ropt
		hopt.Hosts = []int{active[i].index}
		outputs, _ := active[i].client.Run(ctx, command, &hopt) // errors are on the output
		return outputs[0]
	}, nil, r)
	r.finish()
	if o.gather { // -b's lines name the failed hosts; these, the others
		var ok []string
		for _, res := range r.byIndex() {
			if res.outcome == succeeded {
				ok = append(ok, res.name)
			}
		}
		if len(ok) > 0 {
			p.errf("pssh: %s: exited 0\n", shown(hostlist.Fold(ok)))
		}
	}
	if errors.Is(context.Cause(ctx), errInterrupted) {
		p.errf("pssh: interrupted: the command was stopped on every host\n")
	}
}

// interactiveHelp lists the commands of the prompt.
const interactiveHelp = `Each line runs on every host; these start with ":":
  :hosts            list the hosts
  :add HOSTS        add hosts (a list, ranges allowed; known ones come back)
  :remove HOSTS     leave hosts out (their connections stay open)
  :gather on|off    show each distinct output once under its hosts (on), or
                    each line as it comes, as "host: line" (off)
  :quit             leave (also :exit, or Ctrl-D)
Ctrl-C stops the running command on every host; at the prompt it clears the
line. Up and down recall earlier lines.
`

// builtin runs a ":" command; it reports whether to leave.
func (sh *shell) builtin(line string) (quit bool) {
	ios := sh.s.ios
	name, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "quit", "exit", "q":
		return true
	case "help", "h", "?":
		io.WriteString(ios.Out, interactiveHelp)
	case "hosts":
		names := sh.names()
		fmt.Fprintf(ios.Out, "%s (%d)\n", shown(hostlist.Fold(names)), len(names))
	case "gather":
		switch arg {
		case "on":
			sh.gather = true
		case "off":
			sh.gather = false
		case "":
		default:
			fmt.Fprintln(ios.ErrOut, "pssh: :gather on or :gather off")
			return false
		}
		fmt.Fprintf(ios.Out, "gather %s\n", map[bool]string{true: "on", false: "off"}[sh.gather])
	case "add":
		if err := sh.add(arg); err != nil {
			fmt.Fprintf(ios.ErrOut, "pssh: :add: %v\n", err)
		}
	case "remove":
		if err := sh.remove(arg); err != nil {
			fmt.Fprintf(ios.ErrOut, "pssh: :remove: %v\n", err)
		}
	default:
		fmt.Fprintf(ios.ErrOut, "pssh: unknown command :%s; :help lists them\n", shown(name))
	}
	return false
}

// expand turns a host list typed at the prompt into hosts, as -H would.
func (sh *shell) expand(list string) ([]string, error) {
	if list == "" {
		return nil, errors.New("give the hosts")
	}
	o := sh.o.options
	o.hostFiles, o.hostLists, o.excludes, o.globs, o.pick = nil, []string{list}, nil, nil, 0
	return loadHosts(&o)
}

// add makes the hosts of list active: known ones again, new ones on a
// client of their own with the session's configuration.
func (sh *shell) add(list string) error {
	hosts, err := sh.expand(list)
	if err != nil {
		return err
	}
	var added, fresh []string
	for _, h := range hosts {
		if m := sh.find(h); m != nil {
			if !m.active {
				m.active = true
				added = append(added, m.name)
			}
			continue
		}
		fresh = append(fresh, h)
	}
	if len(fresh) > 0 {
		c, err := pssh.New(fresh, sh.s.cfg)
		if err != nil {
			return err
		}
		sh.clients = append(sh.clients, c)
		for i, h := range fresh {
			sh.members = append(sh.members, &member{entry: h, name: displayName(h), client: c, index: i, active: true})
			added = append(added, displayName(h))
		}
	}
	names := sh.names()
	fmt.Fprintf(sh.s.ios.Out, "added %d; hosts: %s (%d)\n", len(added), shown(hostlist.Fold(names)), len(names))
	return nil
}

// remove leaves out the hosts of list: named by entry, display name or
// host name.
func (sh *shell) remove(list string) error {
	hosts, err := sh.expand(list)
	if err != nil {
		return err
	}
	drop := map[string]bool{}
	for _, h := range hosts {
		drop[h] = true
	}
	n := 0
	for _, m := range sh.members {
		if m.active && (drop[m.entry] || drop[m.name] || drop[hostName(m.entry)]) {
			m.active = false
			n++
		}
	}
	names := sh.names()
	fmt.Fprintf(sh.s.ios.Out, "removed %d; hosts: %s (%d)\n", n, shown(hostlist.Fold(names)), len(names))
	return nil
}

// find returns the member given as h (entry or display name), or nil.
func (sh *shell) find(h string) *member {
	for _, m := range sh.members {
		if m.entry == h || m.name == h {
			return m
		}
	}
	return nil
}
