package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
)

// Exit statuses, as the classic pssh.
const (
	exitOK       = 0
	exitMisc     = 1 // pssh itself failed
	exitUsage    = 2 // bad command line
	exitKilled   = 3 // a host was killed by a signal, timed out or was interrupted
	exitConnect  = 4 // a host could not connect or authenticate
	exitNonZero  = 5 // every host ran, one exited non-zero
	exitNotFound = exitUsage
)

// outcome is how one host ended, from best to worst for the exit status
// (which takes the worst: killed, then connect, then non-zero).
type outcome int

const (
	succeeded outcome = iota
	nonZero
	connectFailed
	killed
)

// hostStatus classifies a finished host: its outcome, a short text for the
// status line ("exited 1", "connection refused"), and an error kind for
// --json ("" when the host has no error).
func hostStatus(o *pssh.HostOutput) (outcome, string, string) {
	err := o.Err()
	if err == nil {
		if sig := o.ExitSignal(); sig != "" {
			return killed, "killed by signal " + sig, ""
		}
		code, ok := o.ExitCode()
		switch {
		case !ok:
			return connectFailed, "ended without an exit status", ""
		case code != 0:
			return nonZero, "exited " + itoa(code), ""
		}
		return succeeded, "", ""
	}
	return errStatus(err)
}

// errStatus classifies a host's error: its outcome, a short text and an
// error kind for --json.
func errStatus(err error) (outcome, string, string) {
	var je *pssh.JumpError
	if errors.As(err, &je) {
		// The hop's own error, named after the hop.
		out, text, _ := errStatus(je.Err)
		return max(out, connectFailed), fmt.Sprintf("jump host #%d %s: %s", je.HopIndex, je.Hop, text), "jump"
	}
	var (
		te  *pssh.TimeoutError
		ce  *pssh.ConnectionError
		ue  *pssh.UnknownHostError
		ae  *pssh.AuthenticationError
		he  *pssh.HostKeyError
		se  *pssh.SessionError
		nse *pssh.NotStartedError
	)
	switch {
	case errors.As(err, &te):
		if te.Op == "run" {
			return killed, "timed out", "timeout"
		}
		return connectFailed, te.Op + " timed out", "timeout"
	case errors.As(err, &nse):
		return killed, "not started (interrupted)", "not_started"
	case errors.As(err, &ue):
		return connectFailed, "unknown host", "unknown_host"
	case errors.As(err, &ae):
		return connectFailed, "authentication failed", "authentication"
	case errors.As(err, &he):
		return connectFailed, "host key verification failed", "host_key"
	case errors.As(err, &ce):
		return connectFailed, connReason(ce.Err), "connection"
	case errors.As(err, &se):
		switch {
		case errors.Is(err, context.Canceled):
			return killed, "interrupted", "interrupted"
		case errors.Is(err, pssh.ErrConnectionLost):
			return connectFailed, "connection lost", "connection"
		}
		return connectFailed, se.Op + " failed: " + se.Err.Error(), "session"
	}
	return connectFailed, err.Error(), "other"
}

// connReason says briefly why a connection failed.
func connReason(err error) string {
	switch {
	case errors.Is(err, pssh.ErrNotSSH):
		return "not an SSH server"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	}
	var oce *ssh.OpenChannelError // a jump host could not connect onwards
	if errors.As(err, &oce) {
		if strings.Contains(strings.ToLower(oce.Message), "refused") {
			return "connection refused"
		}
		return "cannot connect: " + oce.Message
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "connection timed out"
	}
	return "cannot connect: " + err.Error()
}

// exitStatus is the process exit status for the hosts' outcomes.
func exitStatus(outcomes []outcome) int {
	worst := succeeded
	for _, o := range outcomes {
		worst = max(worst, o)
	}
	switch worst {
	case killed:
		return exitKilled
	case connectFailed:
		return exitConnect
	case nonZero:
		return exitNonZero
	}
	return exitOK
}
