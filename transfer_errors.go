package pssh

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/pkg/sftp"
)

// Errors a TransferError may match with errors.Is, besides fs.ErrNotExist,
// fs.ErrPermission and ErrConnectionLost.
var (
	// ErrNoSpace: the destination's file system is full (or the quota is
	// reached). OpenSSH's SFTP server reports a full disk only as a
	// generic failure, so over SFTP this is recognised only from servers
	// that send the SFTPv5+ "no space" status; locally and over SCP it is.
	ErrNoSpace = errors.New("no space left on device")
	// ErrSizeMismatch: a file's size after the transfer is not the size
	// sent, or the source changed while it was read. The file was not
	// renamed into place.
	ErrSizeMismatch = errors.New("size after transfer differs from the size sent")
	// ErrNotRegular: a special file (device, FIFO, socket), a symbolic link
	// to a directory, or a dangling symbolic link in a tree being copied.
	// It is not copied; see CopyOptions.SkipSpecial.
	ErrNotRegular = errors.New("not a regular file or directory")
	// ErrIsDir: the source is a directory and CopyOptions.Recursive is not
	// set.
	ErrIsDir = errors.New("is a directory (set Recursive to copy it)")
)

// TransferError is one host's failure to copy a file: it names the host,
// the path (remote unless Local) and the operation, and wraps the cause.
//
// errors.Is matches fs.ErrNotExist (no such file or directory),
// fs.ErrPermission (permission denied), ErrNoSpace (disk full),
// ErrConnectionLost (the connection died during the transfer),
// ErrSizeMismatch, ErrNotRegular and ErrIsDir.
type TransferError struct {
	Host  string // the host as given in the host list
	Path  string // the file or directory the error is about
	Local bool   // Path is on the local machine (else on the host)
	Op    string // "stat", "open", "create", "mkdir", "read", "write", "chmod", "chtimes", "rename", "skip", "sftp", "scp"
	Err   error
}

func (e *TransferError) Error() string {
	where := "remote"
	if e.Local {
		where = "local"
	}
	return fmt.Sprintf("%s: %s %s %s: %v", e.Host, e.Op, where, e.Path, e.Err)
}

func (e *TransferError) Unwrap() error { return e.Err }

// Is matches the SFTP status codes and errno values that have no
// fs.ErrXxx of their own.
func (e *TransferError) Is(target error) bool {
	var st *sftp.StatusError
	hasStatus := errors.As(e.Err, &st)
	switch target {
	case ErrNoSpace:
		return errors.Is(e.Err, syscall.ENOSPC) || errors.Is(e.Err, syscall.EDQUOT) ||
			hasStatus && (st.Code == sshFxNoSpaceOnFilesystem || st.Code == sshFxQuotaExceeded)
	case fs.ErrNotExist:
		return hasStatus && st.Code == sshFxNoSuchFile
	case fs.ErrPermission:
		return hasStatus && st.Code == sshFxPermissionDenied
	case ErrConnectionLost:
		return errors.Is(e.Err, sftp.ErrSSHFxConnectionLost)
	}
	return false
}

// SFTP status codes (draft-ietf-secsh-filexfer).
const (
	sshFxNoSuchFile          = 2
	sshFxPermissionDenied    = 3
	sshFxNoSpaceOnFilesystem = 14
	sshFxQuotaExceeded       = 15
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
