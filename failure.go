package pssh

import (
	"context"
	"errors"
	"fmt"
)

// FailureKind says how a host failed, in the few classes a caller acts on:
// an exit status for a command line, a retry policy, a summary. The library
// computes it once (Classify, HostOutput.Failure) so that callers need not
// match every error type themselves.
type FailureKind int

// The kinds of failure. NoFailure is the zero value.
const (
	NoFailure             FailureKind = iota // no error: the command ran and exited 0, or the copy succeeded
	FailureUnknownHost                       // the name does not resolve (*UnknownHostError)
	FailureConnection                        // the connection could not be opened, or was lost (*ConnectionError, ErrConnectionLost)
	FailureHostKey                           // the host key was unknown, changed or revoked (*HostKeyError)
	FailureAuthentication                    // no credential was accepted (*AuthenticationError)
	FailureTimeout                           // a time limit passed (*TimeoutError; its Phase says where)
	FailureInterrupted                       // the run's context was cancelled while the host ran
	FailureNotStarted                        // the host was never started (*NotStartedError)
	FailureSession                           // the session failed: refused, a request refused, ended without a status (*SessionError, *EnvError)
	FailureTransfer                          // a file could not be copied (*TransferError)
	FailureCommand                           // the command exited non-zero or was killed by a signal (HostOutput.Failure only)
	FailureOther                             // an error of none of these kinds
	FailureWorkerLost                        // the worker running the host was lost; the command's fate is unknown (*WorkerLostError)
)

var failureNames = [...]string{
	NoFailure:             "none",
	FailureUnknownHost:    "unknown_host",
	FailureConnection:     "connection",
	FailureHostKey:        "host_key",
	FailureAuthentication: "authentication",
	FailureTimeout:        "timeout",
	FailureInterrupted:    "interrupted",
	FailureNotStarted:     "not_started",
	FailureSession:        "session",
	FailureTransfer:       "transfer",
	FailureCommand:        "command",
	FailureOther:          "other",
	FailureWorkerLost:     "worker_lost",
}

// String returns the kind's name in snake case, e.g. "host_key": stable,
// for machine-readable output.
func (k FailureKind) String() string {
	if k >= 0 && int(k) < len(failureNames) {
		return failureNames[k]
	}
	return fmt.Sprintf("FailureKind(%d)", int(k))
}

// Classify returns the kind of a host's error (HostOutput.Err,
// CopyResult.Err, Forward.Err, ...): NoFailure for nil. A jump host's
// failure (*JumpError) is classified by the jump host's own error.
func Classify(err error) FailureKind {
	if err == nil {
		return NoFailure
	}
	var (
		tr  *TransferError
		te  *TimeoutError
		nse *NotStartedError
		ue  *UnknownHostError
		ae  *AuthenticationError
		he  *HostKeyError
		ce  *ConnectionError
		fe  *FileLimitError
		se  *SessionError
		ee  *EnvError
		re  *RequestError
		cmd *CommandError
		wl  *WorkerLostError
		rem *RemoteError
	)
	switch {
	case errors.As(err, &tr):
		if errors.Is(err, ErrConnectionLost) {
			return FailureConnection
		}
		return FailureTransfer
	case errors.As(err, &te):
		return FailureTimeout
	case errors.As(err, &nse):
		return FailureNotStarted
	case errors.As(err, &wl):
		return FailureWorkerLost
	case errors.As(err, &ue):
		return FailureUnknownHost
	case errors.As(err, &ae):
		return FailureAuthentication
	case errors.As(err, &he):
		return FailureHostKey
	case errors.As(err, &ce), errors.As(err, &fe), errors.Is(err, ErrConnectionLost):
		return FailureConnection
	case errors.Is(err, context.Canceled):
		return FailureInterrupted
	case errors.As(err, &se), errors.As(err, &ee), errors.As(err, &re), errors.As(err, &cmd):
		return FailureSession
	case errors.Is(err, context.DeadlineExceeded):
		return FailureTimeout
	case errors.As(err, &rem):
		return rem.Kind
	}
	return FailureOther
}

// Failure returns how the host ended: the kind of its error if it has one,
// FailureCommand if the command exited non-zero or was killed by a signal,
// FailureSession if it ended without either, NoFailure if it exited 0 or
// is still running.
func (o *HostOutput) Failure() FailureKind {
	o.mu.Lock()
	err, code, hasCode, signal, ended := o.err, o.exitCode, o.hasCode, o.signal, !o.end.IsZero()
	o.mu.Unlock()
	switch {
	case err != nil:
		return Classify(err)
	case signal != "" || hasCode && code != 0:
		return FailureCommand
	case ended && !hasCode:
		return FailureSession
	}
	return NoFailure
}

// Unreached reports whether err, a host's error, means the command never
// started on the host: the name did not resolve, the connection, host key
// check or authentication failed, a time limit passed while connecting,
// or the host was never started. A host that was reached and then failed
// (a non-zero exit, a connection lost while the command ran, a timeout of
// the command) is not unreached. nil is not.
func Unreached(err error) bool {
	switch Classify(err) {
	case FailureUnknownHost, FailureHostKey, FailureAuthentication, FailureNotStarted:
		return true
	case FailureConnection:
		return !errors.Is(err, ErrConnectionLost)
	case FailureTimeout:
		var te *TimeoutError
		return errors.As(err, &te) && te.Phase.Connecting()
	}
	return false
}
