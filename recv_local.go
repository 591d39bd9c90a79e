package pssh

import (
	"os"
	"path/filepath"
)

// localError is a host's transfer error about a local path.
func localError(h *host, op, path string, err error) error {
	return &TransferError{Host: h.name, Path: path, Local: true, Op: op, Err: err}
}

// localTemp is a file being received (over SFTP or SCP): written to a
// temporary file beside its destination, then committed into place or
// abandoned, so that a destination is never left half written.
type localTemp struct {
	h   *host
	dst string
	*os.File
}

// createLocalTemp creates the temporary file for dst.
func createLocalTemp(h *host, dst string) (*localTemp, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".pssh-tmp-*")
	if err != nil {
		return nil, localError(h, "create", dst, err)
	}
	return &localTemp{h: h, dst: dst, File: f}, nil
}

// abandon closes and removes the temporary file.
func (t *localTemp) abandon() {
	t.Close()
	os.Remove(t.Name())
}

// commit checks that the temporary file holds the n bytes written to it,
// gives it e's mode (and, with times, e's times when known), and renames it
// to its destination. On error the caller abandons it.
func (t *localTemp) commit(n int64, e entry, times bool) error {
	fi, err := t.Stat()
	if err != nil {
		return localError(t.h, "stat", t.Name(), err)
	}
	if fi.Size() != n {
		return localError(t.h, "write", t.Name(), ErrSizeMismatch)
	}
	if err := t.Chmod(e.mode); err != nil {
		return localError(t.h, "chmod", t.Name(), err)
	}
	if err := t.Close(); err != nil {
		return localError(t.h, "write", t.Name(), err)
	}
	if times && !e.mtime.IsZero() {
		if err := os.Chtimes(t.Name(), e.atime, e.mtime); err != nil {
			return localError(t.h, "chtimes", t.Name(), err)
		}
	}
	if err := os.Rename(t.Name(), t.dst); err != nil {
		return localError(t.h, "rename", t.dst, err)
	}
	return nil
}
