package pssh

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// CommandResult is the outcome of one command of RunCommands on one host.
type CommandResult struct {
	Command string
	Stdout  string // the command's standard output, as it wrote it
	Stderr  string // the command's standard error
	// ExitCode is the command's exit status; -1 when there is none (the
	// command did not run, or the host failed). For the command during
	// which the shell ended (e.g. "exit 3"), it is the shell's exit status.
	ExitCode int
	// Err is nil when the command ran to its end, whatever its status. It
	// is the host's error (connection, timeout, ...) when the host failed,
	// or a *CommandError wrapping ErrShellEnded for the command during
	// which the shell ended and ErrNotRun for the commands after it.
	Err error
}

// HostResults is one host's part of RunCommands.
type HostResults struct {
	Host  string // the host as given in the host list
	Index int    // position in the host list
	// Err is the host's error, as HostOutput.Err: nil when the shell ran
	// and ended with an exit status, even if a command killed it.
	Err      error
	Commands []CommandResult // one per command, in order
}

// RunCommands runs several commands on every host in parallel, one after
// the other in one shell per host, and returns each command's output and
// exit status per host, in the order of the outputs of Run (the host list,
// or opt.Hosts).
//
// Each host runs "sh" without a PTY, over one session, and gets the
// commands on its standard input. Since they run in one shell, cd, variables
// and functions carry over from one command to the next; a command that
// ends the shell (exit, a syntax error) ends the host's run, the later
// commands getting ErrNotRun. Each command runs with its input from
// /dev/null. After each command the shell prints a marker line with a
// random per-call marker and the command's status ($?) on stdout, and the
// marker on stderr; RunCommands splits the output there and strips the
// markers, so each command's output is exactly what it wrote.
//
// ctx, opt.Env, Hosts, HostTimeout and ContinueOnErrors work as in Run.
// ReadTimeout is ignored; UsePTY, Sudo, User, Shell and HostArgs are not
// supported. Unless opt.ContinueOnErrors is set, RunCommands also returns the
// first host's error, as Run does, along with every host's results.
func (c *Client) RunCommands(ctx context.Context, commands []string, opt *RunOptions) ([]*HostResults, error) {
	if opt == nil {
		opt = &RunOptions{}
	}
	if opt.UsePTY || opt.Sudo || opt.User != "" || opt.Shell != "" || opt.HostArgs != nil {
		return nil, errors.New("pssh: RunCommands runs sh without a PTY: RunOptions.UsePTY, Sudo, User, Shell and HostArgs are not supported")
	}
	var b [16]byte
	rand.Read(b[:])
	marker := "__pssh_" + hex.EncodeToString(b[:]) + "__"
	var script strings.Builder
	for _, cmd := range commands {
		if strings.TrimSpace(cmd) == "" {
			cmd = ":" // an empty { } is a syntax error
		}
		fmt.Fprintf(&script, "{ %s\n} </dev/null\nprintf '\\n%s %%d\\n' \"$?\"; printf '\\n%s\\n' >&2\n", cmd, marker, marker)
	}

	ropt := *opt
	ropt.ReadTimeout = 0
	outputs, runErr := c.Run(ctx, "sh", &ropt)
	if outputs == nil {
		return nil, runErr
	}
	results := make([]*HostResults, len(outputs))
	var wg sync.WaitGroup
	for i, o := range outputs {
		wg.Go(func() { results[i] = collectCommands(o, commands, marker, script.String()) })
	}
	wg.Wait()
	return results, runErr
}

// collectCommands feeds the script to one host's shell, reads its output to
// the end and splits it into the commands' results.
func collectCommands(o *HostOutput, commands []string, marker, script string) *HostResults {
	if o.Stdin != nil {
		go func() {
			io.WriteString(o.Stdin, script) // an error ends the shell: seen below
			o.Stdin.Close()
		}()
	}
	var stdout, stderr []byte
	var wg sync.WaitGroup
	wg.Go(func() { stdout, _ = io.ReadAll(o.Stdout) })
	stderr, _ = io.ReadAll(o.Stderr)
	wg.Wait()
	o.Wait(context.Background()) // already over: both streams ended
	r := &HostResults{Host: o.Host, Index: o.Index, Err: o.Err(), Commands: make([]CommandResult, len(commands))}
	outs, codes, outRest := splitMarked(string(stdout), "\n"+marker+" ")
	errs, _, errRest := splitMarked(string(stderr), "\n"+marker+"\n")
	done := min(len(outs), len(errs))
	for k, cmd := range commands {
		res := CommandResult{Command: cmd, ExitCode: -1}
		switch {
		case o.startErr() != nil:
			res.Err = r.Err
		case k < done:
			res.Stdout, res.Stderr, res.ExitCode = outs[k], errs[k], codes[k]
		case k == done:
			res.Stdout, res.Stderr = outRest, errRest
			if k < len(outs) {
				res.Stdout = outs[k]
			}
			if code, ok := o.ExitCode(); ok {
				res.ExitCode = code
			}
			res.Err = r.Err
			if res.Err == nil {
				res.Err = &CommandError{Host: o.Host, Index: k, Command: cmd, Err: ErrShellEnded}
			}
		default:
			res.Err = &CommandError{Host: o.Host, Index: k, Command: cmd, Err: ErrNotRun}
		}
		r.Commands[k] = res
	}
	return r
}

// splitMarked splits s at each marker line: sep (a newline, the marker, and
// " " for stdout or "\n" for stderr) then, for stdout, the status and a
// newline. It returns the parts before complete markers, their statuses,
// and what follows the last one.
func splitMarked(s, sep string) (parts []string, codes []int, rest string) {
	for {
		i := strings.Index(s, sep)
		if i < 0 {
			return parts, codes, s
		}
		after := s[i+len(sep):]
		code := 0
		if strings.HasSuffix(sep, " ") {
			j := strings.IndexByte(after, '\n')
			if j < 0 {
				return parts, codes, s
			}
			n, err := strconv.Atoi(after[:j])
			if err != nil {
				n = -1
			}
			code, after = n, after[j+1:]
		}
		parts, codes = append(parts, s[:i]), append(codes, code)
		s = after
	}
}
