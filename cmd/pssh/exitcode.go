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
	exitMisc     = 1 // pssh itself failed, or could not keep a host's output
	exitUsage    = 2 // bad command line
	exitKilled   = 3 // a host was killed by a signal, timed out or was interrupted
	exitConnect  = 4 // a host could not connect or authenticate
	exitNonZero  = 5 // every host ran, one exited non-zero
	exitStopped  = 6 // a rollout stopped (--canary, --max-fail): hosts were not started
	exitNotFound = exitUsage
)

// outcome is how one host ended, from best to worst for the exit status
// (which takes the worst: output lost, then a stopped rollout, then
// killed, then connect, then non-zero).
type outcome int

const (
	succeeded outcome = iota
	nonZero
	connectFailed
	killed
	stopped    // not started: the rollout stopped before it (a *pssh.RolloutStopError)
	outputLost // pssh could not keep the host's output whole
)

// kindOutput is the --json error kind of a host whose output pssh could not
// keep whole (an *outputError). It is the CLI's own: the library's
// FailureKind, whose String() gives every other kind, is about the remote
// host, and knows nothing of pssh's local files.
const kindOutput = "output"

// lostStatus classifies a host whose output pssh could not keep whole,
// err, whatever the host itself did: it failed, with kind "output" and
// the outcome outputLost (exit status 1, ahead of every other). Its text
// says what was lost, then hostText, the host's own failure, if any.
func lostStatus(err *outputError, hostText string) (outcome, string, string) {
	text := err.short()
	if hostText != "" {
		text += "; and " + hostText
	}
	return outputLost, text, kindOutput
}

// hostStatus classifies a finished host: its outcome, a short text for the
// status line ("exited 1", "connection refused"; escaped and bounded, see
// statusText), and an error kind for
// --json ("" when the host has no error).
func hostStatus(o *pssh.HostOutput) (outcome, string, string) {
	err := o.Err()
	if err != nil {
		return errStatus(err)
	}
	switch o.Failure() {
	case pssh.FailureCommand:
		if sig := o.ExitSignal(); sig != "" {
			return killed, statusText("killed by signal " + sig), ""
		}
		code, _ := o.ExitCode()
		return nonZero, "exited " + itoa(code), ""
	case pssh.FailureSession:
		return connectFailed, "ended without an exit status", ""
	}
	return succeeded, "", ""
}

// errStatus classifies a host's error: its outcome, a short text (escaped
// and bounded, see statusText) and an error kind for --json, from the
// library's classification.
func errStatus(err error) (outcome, string, string) {
	kind := pssh.Classify(err)
	out, text := errOutcome(err, kind), errText(err, kind)
	var je *pssh.JumpError
	if errors.As(err, &je) {
		// The hop's own error, named after the hop.
		text = fmt.Sprintf("jump host #%d %s: %s", je.HopIndex, je.Hop, text)
		out = max(out, connectFailed)
	}
	return out, statusText(text), kind.String()
}

// errOutcome is what a host's error means for the exit status. A time
// limit that passed while connecting is a host that could not be reached,
// as a refusal is; the run's own deadline (-t) and the command's time are
// a host killed.
func errOutcome(err error, kind pssh.FailureKind) outcome {
	switch kind {
	case pssh.FailureTimeout:
		var te *pssh.TimeoutError
		if errors.As(err, &te) && !te.Deadline && te.Phase < pssh.PhaseCommand {
			return connectFailed
		}
		return killed
	case pssh.FailureNotStarted:
		var stop *pssh.RolloutStopError
		if errors.As(err, &stop) {
			return stopped
		}
		return killed
	case pssh.FailureInterrupted, pssh.FailureWorkerLost:
		return killed
	case pssh.FailureTransfer, pssh.FailureCommand:
		return nonZero
	}
	return connectFailed
}

// errText says briefly why a host failed, for its status line.
func errText(err error, kind pssh.FailureKind) string {
	var tr *pssh.TransferError
	if errors.As(err, &tr) {
		where := "remote"
		if tr.Local {
			where = "local"
		}
		return fmt.Sprintf("%s %s %s: %v", tr.Op, where, tr.Path, tr.Err)
	}
	var te *pssh.TimeoutError
	var hk *pssh.HostKeyError
	var ee *pssh.EnvError
	switch kind {
	case pssh.FailureTimeout:
		if errors.As(err, &te) {
			return timeoutText(te)
		}
		return "timed out"
	case pssh.FailureNotStarted:
		var stop *pssh.RolloutStopError
		if errors.As(err, &stop) {
			return fmt.Sprintf("not started (%v)", stop.Reason)
		}
		var nse *pssh.NotStartedError
		if errors.As(err, &nse) && nse.Err != nil && !errors.Is(nse.Err, context.Canceled) && !errors.Is(nse.Err, context.DeadlineExceeded) {
			return "not started: " + nse.Err.Error() // no worker took it, or one refused it
		}
		return "not started (interrupted)"
	case pssh.FailureWorkerLost:
		return "worker lost (the command's fate is unknown)"
	case pssh.FailureInterrupted:
		return "interrupted"
	case pssh.FailureUnknownHost:
		return "unknown host"
	case pssh.FailureAuthentication:
		return "authentication failed"
	case pssh.FailureHostKey:
		if errors.As(err, &hk) {
			return hostKeyText(hk)
		}
		return "host key verification failed"
	case pssh.FailureConnection:
		var ce *pssh.ConnectionError
		if errors.As(err, &ce) {
			return connReason(ce.Err)
		}
		return "connection lost"
	case pssh.FailureSession:
		if errors.As(err, &ee) {
			return envText(ee, false)
		}
		var se *pssh.SessionError
		if errors.As(err, &se) {
			return se.Op + " failed: " + se.Err.Error()
		}
	}
	return err.Error()
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
	case outputLost:
		return exitMisc
	case stopped:
		return exitStopped
	case killed:
		return exitKilled
	case connectFailed:
		return exitConnect
	case nonZero:
		return exitNonZero
	}
	return exitOK
}
