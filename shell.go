package pssh

import (
	"context"
	"sync"
)

// ShellOptions change how OpenShell opens shells. The zero value opens a
// shell without a PTY, stopping on errors.
type ShellOptions struct {
	// UsePTY requests a pseudo-terminal: the shell is then interactive
	// (prompts, job control) and stdout and stderr arrive together on
	// Stdout.
	UsePTY bool
	// Term is the terminal type (TERM), with UsePTY; default "xterm".
	Term string
	// Width and Height are the terminal's size in characters, with UsePTY;
	// default (zero or less) 80x24. Shell.Resize changes it.
	Width, Height int
	// ContinueOnErrors makes OpenShell return no error when hosts fail to
	// connect or start their shell; as in RunOptions.
	ContinueOnErrors bool
}

// Shell is one host's shell opened by OpenShell (parallel-ssh's
// InteractiveShell). It is the host's *HostOutput — Stdout, Stderr, Err,
// ExitCode, Wait, Signal, Resize — plus Run to send it commands and Close
// to end its input. Its ExitCode is the shell's: that of its last command,
// or of an exit command.
type Shell struct {
	*HostOutput

	mu  sync.Mutex // one command line at a time
	pty bool
}

// Output returns the shell's HostOutput, e.g. for Client.Join.
func (s *Shell) Output() *HostOutput { return s.HostOutput }

// Run sends command to the shell, followed by a newline, and returns once
// it is sent, without waiting for the command to run: its output comes on
// Stdout and Stderr like the shell's other output. A shell that could not
// be opened returns its host's error.
func (s *Shell) Run(command string) error {
	if s.Stdin == nil {
		return s.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.Stdin.Write([]byte(command + "\n"))
	return err
}

// Close ends the shell's input, so the shell exits once it has run what it
// was sent. Without a PTY it sends EOF. A terminal ignores EOF, so with a
// PTY it first types the terminal's end-of-file character (Ctrl-D), which
// an interactive shell takes as the end of its input, then sends EOF.
// Wait or Client.JoinShells then waits for the end.
func (s *Shell) Close() error {
	if s.Stdin == nil {
		return s.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pty {
		if _, err := s.Stdin.Write([]byte{4}); err != nil {
			return err
		}
	}
	return s.Stdin.Close()
}

// OpenShell opens a shell on every host in parallel (parallel-ssh's
// open_shell), by a "shell" request: the user's login shell, as ssh with no
// command. It returns one Shell per host, in host-list order, once every
// reachable host's shell has started. Connections, the pool and errors are
// as in Run; ctx bounds the shells' whole life, as it bounds Run's
// commands. A host that failed has its error on Err and a nil Stdin; unless
// opt.ContinueOnErrors is set, OpenShell also returns the first such error.
func (c *Client) OpenShell(ctx context.Context, opt *ShellOptions) ([]*Shell, error) {
	if opt == nil {
		opt = &ShellOptions{}
	}
	ropt := &RunOptions{UsePTY: opt.UsePTY, Term: opt.Term, Width: opt.Width, Height: opt.Height,
		ContinueOnErrors: opt.ContinueOnErrors}
	outputs := make([]*HostOutput, len(c.hosts))
	shells := make([]*Shell, len(c.hosts))
	for i, h := range c.hosts {
		outputs[i] = newHostOutput(h, "", c.spoolOptions(), 0, c.hostLog)
		shells[i] = &Shell{HostOutput: outputs[i], pty: opt.UsePTY}
	}
	return shells, c.startAll(ctx, c.hosts, outputs, ropt, true)
}

// RunShellCommands sends each command, in order, to every shell in
// parallel (parallel-ssh's run_shell_commands); see Shell.Run. It returns
// the first error, in shell order, of a shell that was open, after trying
// all of them. Shells that failed to open are skipped: their error is on
// Err. A nil shell, or one not from OpenShell, is an error wrapping
// ErrInvalidOutput, before anything is sent.
func (c *Client) RunShellCommands(ctx context.Context, shells []*Shell, commands ...string) error {
	if err := checkOutputs("RunShellCommands", "shells", shellOutputs(shells)); err != nil {
		return err
	}
	errs := make([]error, len(shells))
	var wg sync.WaitGroup
	for i, s := range shells {
		if s.Stdin == nil {
			continue
		}
		wg.Go(func() {
			for _, cmd := range commands {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					return
				}
				if err := s.Run(cmd); err != nil {
					errs[i] = &SessionError{Host: s.Host, Op: "send command", Err: err}
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// JoinShells waits for the shells to end, as Join does for outputs
// (parallel-ssh's join_shells): close them first, or give a timeout, whose
// *JoinTimeoutError lists the shells still running.
func (c *Client) JoinShells(ctx context.Context, shells []*Shell, opt *JoinOptions) error {
	outputs := shellOutputs(shells)
	if err := checkOutputs("JoinShells", "shells", outputs); err != nil {
		return err
	}
	return c.Join(ctx, outputs, opt)
}

// shellOutputs returns the shells' HostOutputs: nil for a nil shell, a
// zero one for a Shell without one, both refused by checkOutputs.
func shellOutputs(shells []*Shell) []*HostOutput {
	outputs := make([]*HostOutput, len(shells))
	for i, s := range shells {
		switch {
		case s == nil:
		case s.HostOutput == nil:
			outputs[i] = &HostOutput{}
		default:
			outputs[i] = s.HostOutput
		}
	}
	return outputs
}
