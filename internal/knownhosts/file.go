package knownhosts

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockedFile is the file appended to, open and locked.
type lockedFile struct {
	f *os.File
}

// openLocked opens name for appending (creating it, see createFile) and
// takes an exclusive lock on it. A file replaced while waiting for the lock
// (ssh-keygen -R and -H write a new file and rename it) is opened again.
func openLocked(name string) (*lockedFile, error) {
	for range 10 {
		f, err := createFile(name)
		if err != nil {
			return nil, err
		}
		if err := lock(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", name, err)
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return &lockedFile{f: f}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("%s keeps being replaced", name)
}

// appendLine writes text as one line at the end of the file, in a single
// write, after a newline if the file does not end in one.
func (l *lockedFile) appendLine(text string) error {
	fi, err := l.f.Stat()
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(text)+2)
	if fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := l.f.ReadAt(last, fi.Size()-1); err != nil {
			return err
		}
		if last[0] != '\n' {
			buf = append(buf, '\n')
		}
	}
	buf = append(buf, text...)
	buf = append(buf, '\n')
	_, err = l.f.Write(buf)
	return err
}

// state returns the file's state after the append.
func (l *lockedFile) state() (fileState, error) {
	fi, err := l.f.Stat()
	if err != nil {
		return fileState{}, err
	}
	return fileState{exists: true, info: fi}, nil
}

// close releases the lock and closes the file.
func (l *lockedFile) close() {
	unlock(l.f)
	l.f.Close()
}

// createFile opens name for appending, creating it with mode 0600 (and its
// directory with 0700) if missing.
func createFile(name string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
}
