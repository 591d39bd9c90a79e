package sshconfig

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/gopssh/pssh/internal/childenv"
)

// Match exec: the command is run through the user's shell, as OpenSSH
// runs it: $SHELL -c COMMAND (/bin/sh when SHELL is unset), standard input
// and output on /dev/null, standard error discarded. Exit status 0 matches,
// any other does not; a command that cannot be started or is killed by a
// signal is an error.

// execRes is the outcome of one Match exec command.
type execRes struct {
	ok  bool
	err error
}

// exec runs a Match exec command for the host, once per host and command
// for the life of the Config.
func (r *resolver) exec(arg string) (bool, error) {
	r.inExec = true
	cmd, err := r.expand(arg, tokensExec, false)
	r.inExec = false
	if err != nil {
		return false, fmt.Errorf("Match exec: %w", err)
	}
	key := r.alias + "\x00" + cmd
	r.c.mu.Lock()
	res, ok := r.c.execs[key]
	r.c.mu.Unlock()
	if ok {
		return res.ok, res.err
	}
	res = runExec(cmd)
	r.c.mu.Lock()
	r.c.execs[key] = res
	r.c.mu.Unlock()
	return res.ok, res.err
}

func runExec(command string) execRes {
	shell, set := os.LookupEnv("SHELL")
	if !set {
		shell = "/bin/sh"
	}
	cmd := childenv.Command(shell, "-c", command) // without pssh's secrets, as every child
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return execRes{ok: true}
	case errors.As(err, &ee) && ee.Exited():
		return execRes{ok: false}
	case errors.As(err, &ee):
		return execRes{err: fmt.Errorf("Match exec %q: %v", command, ee)}
	}
	return execRes{err: fmt.Errorf("Match exec %q: shell %q: %w", command, shell, err)}
}
