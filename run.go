package pssh

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gopssh/pssh/internal/hostspec"
	"github.com/gopssh/pssh/internal/workpool"
	"golang.org/x/crypto/ssh"
)

// RunOptions change how Run runs a command. The zero value runs the command
// as it is, without a PTY, stopping on errors.
type RunOptions struct {
	Sudo  bool   // run the command with sudo (sudo -S, reading a password from Stdin if sudo asks)
	User  string // run the command as this user with sudo -u; implies Sudo
	Shell string // wrap the command in this shell, e.g. "bash -c"; the command is quoted for it

	UsePTY bool // request a pseudo-terminal; stdout and stderr then arrive together on Stdout

	// Term is the terminal type of the pseudo-terminal (TERM), with
	// UsePTY; default "xterm".
	Term string
	// Width and Height are the pseudo-terminal's size in characters, with
	// UsePTY; default (zero or less) 80x24. HostOutput.Resize changes it while the command
	// runs.
	Width, Height int

	// Env is set in the remote command's environment before it starts, sent
	// as "env" requests in sorted key order (ssh's SendEnv and SetEnv).
	// Servers accept only some names (OpenSSH: AcceptEnv in sshd_config).
	// A host whose server refuses a variable fails with an *EnvError before
	// its command runs, unless IgnoreRefusedEnv is set.
	Env map[string]string
	// IgnoreRefusedEnv runs the command without the variables the server
	// refuses, instead of failing the host with an *EnvError.
	IgnoreRefusedEnv bool
	// NodeEnv sets PSSH_NODENUM (the host's index in the host list) and
	// PSSH_HOST (its name, without user and port) in each command's
	// environment, as the classic pssh does; Env's own values of them win.
	// They are sent
	// without asking for a reply: a server that does not accept them
	// (OpenSSH without "AcceptEnv PSSH_*") runs the command without them,
	// and the host does not fail.
	NodeEnv bool

	// HostArgs, if not nil, has one argument list per host, formatted into
	// the command for that host: %s inserts an argument as it is, %q inserts
	// it quoted for the shell, %% is a literal %. A list that does not fit
	// the hosts or the command is a *HostArgsError before anything runs.
	HostArgs [][]string

	// ContinueOnErrors makes Run return no error when hosts fail to connect
	// or start: each failed host then carries its error on HostOutput.Err.
	// By default (parallel-ssh's stop_on_errors=True) Run returns the first
	// such error in host-list order, along with every host's output.
	ContinueOnErrors bool

	// Hosts, if not nil, runs the command on these hosts only, given by
	// their index in the host list; the outputs follow this order and keep
	// the host-list index in HostOutput.Index. A bad or repeated index is a
	// *HostArgsError before anything runs. A caller can so bound how many
	// commands run at once (the classic pssh -p) by running hosts as slots
	// free up, on one client whose connections and credentials they share.
	Hosts []int

	// ReadTimeout, if > 0, ends reading a host's output (Stream.Lines and
	// Stream.Read) with a *TimeoutError when no data came for that long.
	ReadTimeout time.Duration

	// HostTimeout, if > 0, bounds each host on its own, from the moment it
	// starts connecting to the end of its command (the classic pssh -t):
	// a host still connecting or running then is stopped as if ctx had
	// expired, and gets a *TimeoutError. Hosts waiting for a free slot of
	// the pool are not counted.
	HostTimeout time.Duration

	// Rollout, if not nil, runs the hosts in batches, with canaries and a
	// failure limit (see Rollout). Run then returns at once, before any
	// host started, with every host's output: each fills as its host
	// runs, Wait and Join wait for hosts not yet started too, and Stdin
	// writes wait until the host has started. Hosts the rollout never
	// starts fail with a *NotStartedError wrapping a *RolloutStopError.
	// Run returns no host's error then (ContinueOnErrors is implied).
	Rollout *Rollout
}

// Run runs command on every host in parallel and returns one output per
// host, in host-list order, as soon as the command has started on every
// reachable host: the commands are then running and their output streams in
// while they run.
//
// Connections are opened on the first Run and kept for later ones (with
// Config.CloseConnections, closed as soon as a host is done); a connection
// that died is opened again. At most Config.PoolSize hosts are connected
// and started at once.
//
// ctx bounds the whole run: when it ends, unfinished hosts are stopped (a
// TERM signal, then the session is closed) and get a TimeoutError or a
// SessionError, and hosts not yet started get a NotStartedError. What was
// received remains readable. A stopped host is finished within 3 seconds
// whatever its server does (its connection is dropped after 2): its Wait,
// Done and stream reads then return. HostTimeout and Client.Close stop a
// host the same way.
//
// Every host appears in the result, with its output or its error. Unless
// opt.ContinueOnErrors is set, Run also returns the first host's error.
//
// With opt.Rollout, the hosts run in batches and Run returns at once,
// before any host started: see RunOptions.Rollout.
func (c *Client) Run(ctx context.Context, command string, opt *RunOptions) ([]*HostOutput, error) {
	if opt == nil {
		opt = &RunOptions{}
	}
	commands, err := c.commands(command, opt)
	if err != nil {
		return nil, err
	}
	hosts, err := c.selectHosts(opt.Hosts)
	if err != nil {
		return nil, err
	}
	if opt.Rollout != nil {
		if err := opt.Rollout.check(); err != nil {
			return nil, err
		}
	}
	outputs := make([]*HostOutput, len(hosts))
	for i, h := range hosts {
		outputs[i] = newHostOutput(h, commands[h.index], c.spoolOptions(), opt.ReadTimeout, c.hostLog)
	}
	if opt.Rollout != nil {
		c.startRollout(ctx, hosts, outputs, opt)
		return outputs, nil
	}
	return outputs, c.startAll(ctx, hosts, outputs, opt, false)
}

// startAll starts every host's command (or, with shell, its login shell)
// on the pool, records the outputs as the last run, and returns the first
// start error unless opt.ContinueOnErrors.
func (c *Client) startAll(ctx context.Context, hosts []*host, outputs []*HostOutput, opt *RunOptions, shell bool) error {
	workpool.Each(len(hosts), c.cfg.PoolSize, func(i int) {
		c.start(ctx, hosts[i], outputs[i], opt, shell)
	})

	c.mu.Lock()
	c.last = outputs
	c.mu.Unlock()
	if !opt.ContinueOnErrors {
		for _, o := range outputs {
			if err := o.startErr(); err != nil {
				return err
			}
		}
	}
	return nil
}

// selectHosts returns the hosts of the given indices, or all of them.
func (c *Client) selectHosts(indices []int) ([]*host, error) {
	if indices == nil {
		return c.hosts, nil
	}
	out := make([]*host, len(indices))
	seen := make(map[int]bool, len(indices))
	for k, i := range indices {
		if i < 0 || i >= len(c.hosts) || seen[i] {
			return nil, &HostArgsError{Index: -1, Pos: -1,
				Reason: fmt.Sprintf("RunOptions.Hosts[%d] = %d: not a host index (0 to %d), or given twice", k, i, len(c.hosts)-1)}
		}
		seen[i] = true
		out[k] = c.hosts[i]
	}
	return out, nil
}

// commands builds the exact command for each host.
func (c *Client) commands(command string, opt *RunOptions) ([]string, error) {
	out := make([]string, len(c.hosts))
	if opt.HostArgs != nil && len(opt.HostArgs) != len(c.hosts) {
		return nil, &HostArgsError{Index: -1, Pos: -1,
			Reason: fmt.Sprintf("%d argument lists for %d hosts: give one per host", len(opt.HostArgs), len(c.hosts))}
	}
	for i, h := range c.hosts {
		cmd := command
		if opt.HostArgs != nil {
			formatted, err := formatCommand(command, opt.HostArgs[i])
			if err != nil {
				err.Index, err.Host = i, h.name
				return nil, err
			}
			cmd = formatted
		}
		out[i] = wrapCommand(cmd, opt)
	}
	return out, nil
}

// start connects to one host and starts its command (with shell: its
// login shell, by a "shell" request instead of "exec"); the end is awaited
// in the background.
func (c *Client) start(ctx context.Context, h *host, o *HostOutput, opt *RunOptions, shell bool) {
	ctx, release := c.hostContext(ctx, opt.HostTimeout)
	use, unlimit := c.use(h, false), c.holdMemLimit()
	done := func() {
		use()
		unlimit()
	}
	// fail ends a host that did not start, its connection done with first
	// (closed with CloseConnections) as at a command's end.
	fail := func(err error) {
		done()
		release()
		o.startFailed(err)
	}
	o.mu.Lock()
	o.start = time.Now()
	o.mu.Unlock()
	if err := ctx.Err(); err != nil {
		fail(&NotStartedError{Host: h.name, Err: err})
		return
	}
	sess, client, err := c.dialer.session(ctx, h)
	if err != nil {
		fail(err)
		return
	}
	detach := h.conn.attach(client, sess, o.Stdout.buf, o.Stderr.buf)
	if err := c.startCommand(ctx, h, client, sess, o.Command, opt, shell); err != nil {
		sess.close()
		detach()
		fail(err)
		return
	}
	stdin := &endingStdin{w: sess.stdin()}
	if late, ok := o.Stdin.(*lateStdin); ok {
		late.attach(stdin)
	} else {
		o.Stdin = stdin
	}
	o.mu.Lock()
	o.session, o.pty, o.requestTimeout = sess, opt.UsePTY, h.connectTimeout
	o.mu.Unlock()

	ended := make(chan struct{})
	// letGo gives back what the session holds: its gate's tracking and its
	// use of the connection (each once, whoever calls first).
	letGo := func() {
		detach()
		done()
	}
	stop := context.AfterFunc(ctx, func() { c.interrupt(ctx, h, client, sess, o, ended, letGo) })
	go func() {
		defer release()
		waitErr := sess.wait()
		stdin.release()
		detach()
		close(ended)
		stop()
		hostErr := c.waitError(h, client, waitErr)
		letGo() // before the host is seen finished: with CloseConnections, its connection is closed by then
		o.finish(waitErr, hostErr)
	}()
}

// How long a stopped command may take to end: interruptGrace after the
// TERM signal and the closing of its session, its connection is dropped;
// dropGrace after that, whatever the server and the connection do, the
// host is finished with what was received (see interrupt).
const (
	interruptGrace = 2 * time.Second
	dropGrace      = time.Second
)

// interrupt ends a running command when its context ends (the run's
// context, RunOptions.HostTimeout or Client.Close): a TERM signal
// (OpenSSH honours it for non-root logins) and closing the session; if the
// server still keeps the session open after interruptGrace, dropping the
// connection; and if even that has not ended the session after dropGrace
// (a server or connection stuck in ways the SSH library cannot see past,
// or output held back by Config.BlockOnFullBuffer that no one reads), the
// host is finished regardless, its output ending with what was received,
// letGo called first (the session's end, if it ever comes, calls it too).
func (c *Client) interrupt(ctx context.Context, h *host, client *ssh.Client, sess *session, o *HostOutput, ended <-chan struct{}, letGo func()) {
	err := ctxError(ctx, h, PhaseCommand)
	o.setErr(err)
	// Sending may block on a connection that does not drain: the grace
	// counts from now whatever it does (the drop ends it).
	go func() {
		sess.signal("TERM")
		sess.close()
	}()
	t := time.NewTimer(interruptGrace)
	defer t.Stop()
	select {
	case <-ended:
		return
	case <-t.C:
	}
	h.conn.drop(client)
	t.Reset(dropGrace)
	select {
	case <-ended:
	case <-t.C:
		letGo()
		o.finish(errNoExit, err)
	}
}

// startCommand sends the env and pty requests and the exec request,
// bounded by ctx and the connect timeout: a server that never answers has
// its connection dropped.
func (c *Client) startCommand(ctx context.Context, h *host, client *ssh.Client, sess *session, command string, opt *RunOptions, shell bool) error {
	var timedOut atomic.Bool
	t := time.AfterFunc(h.connectTimeout, func() {
		timedOut.Store(true)
		h.conn.drop(client)
	})
	// Interrupted while starting: the exec request may have reached the
	// server already, and a server that started the command keeps it
	// running when its channel is just closed (OpenSSH without a PTY). A
	// TERM signal goes first: the server takes a channel's requests in
	// order, so it reaches a command the exec request started.
	stop := context.AfterFunc(ctx, func() {
		sess.signal("TERM")
		sess.close()
	})
	op, err := prepareAndStart(ctx, h, sess, command, opt, shell)
	t.Stop()
	stop()
	var envErr *EnvError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &envErr):
		return err
	case timedOut.Load():
		return &TimeoutError{Host: h.name, Phase: PhaseSession, Limit: h.connectTimeout, Err: err}
	case ctx.Err() != nil:
		return ctxError(ctx, h, PhaseSession)
	}
	return &SessionError{Host: h.name, Op: op, Err: err}
}

// prepareAndStart sets the environment, requests the pty and starts the
// command, or the login shell, unless ctx ended first; it returns the step
// that failed.
func prepareAndStart(ctx context.Context, h *host, sess *session, command string, opt *RunOptions, shell bool) (string, error) {
	if opt.NodeEnv {
		for _, v := range nodeEnv(h) {
			if _, err := sess.ch.SendRequest("env", false, ssh.Marshal(struct{ Name, Value string }{v[0], v[1]})); err != nil {
				return "set environment", err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Env)) {
		ok, err := sess.ch.SendRequest("env", true, ssh.Marshal(struct{ Name, Value string }{name, opt.Env[name]}))
		if err != nil {
			return "set environment", err
		}
		if !ok && !opt.IgnoreRefusedEnv {
			return "set environment", &EnvError{Host: h.name, Name: name}
		}
	}
	if opt.UsePTY {
		modes := ssh.TerminalModes{ssh.ECHO: 0, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
		term := cmp.Or(opt.Term, "xterm")
		if err := sess.requestPty(term, orDefault(opt.Width, 80), orDefault(opt.Height, 24), modes); err != nil {
			return "request pty", err
		}
	}
	if err := ctx.Err(); err != nil {
		return "start", err // no command started that the signal could miss
	}
	if shell {
		return "start shell", sess.start("shell", nil)
	}
	return "start command", sess.start("exec", ssh.Marshal(struct{ Command string }{command}))
}

// nodeEnv is what RunOptions.NodeEnv sets for h: PSSH_NODENUM and
// PSSH_HOST.
func nodeEnv(h *host) [][2]string {
	name := h.name
	if spec, err := hostspec.Parse(h.name); err == nil {
		name = spec.Host
	}
	return [][2]string{{"PSSH_NODENUM", strconv.Itoa(h.index)}, {"PSSH_HOST", name}}
}

// orDefault returns n, or def when n is not positive.
func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
