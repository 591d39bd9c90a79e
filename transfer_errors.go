package pssh

import (
	"io/fs"
)

// lostError marks a transfer that failed because its connection died.
type lostError struct{ err error }

func (e *lostError) Error() string { return "connection lost: " + e.err.Error() }
func (e *lostError) Unwrap() error { return e.err }
func (e *lostError) Is(target error) bool {
	return target == ErrConnectionLost
}

// errStatus is an error from an SCP peer or a remote helper command, as the
// peer worded it.
type errStatus struct{ msg string }

func (e *errStatus) Error() string { return e.msg }

// Is recognises the usual strerror texts in messages from scp and the shell.
func (e *errStatus) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return containsAny(e.msg, "No such file or directory")
	case fs.ErrPermission:
		return containsAny(e.msg, "Permission denied", "Operation not permitted", "Read-only file system")
	case ErrNoSpace:
		return containsAny(e.msg, "No space left on device", "Disk quota exceeded")
	case ErrIsDir:
		return containsAny(e.msg, "not a regular file", "Is a directory")
	}
	return false
}
