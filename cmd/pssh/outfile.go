package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// outputPerm is the mode of the -o and -e files (less the umask): readable
// by others, as the classic pssh's files, since they hold what the remote
// command printed to its user; use a umask of 077 or a private directory
// for output that others must not read.
const outputPerm = 0o644

// createOutput creates the file name for writing, empty, replacing whatever
// is at name: a regular file, or a symlink or hard link planted there,
// which is replaced rather than followed, so that no other file is ever
// written through it. The new file is created under a fresh name in the
// same directory (O_CREATE|O_EXCL, which never follows a symlink) and renamed over name at once, so
// that name is there to watch while the host runs.
func createOutput(name string) (*os.File, error) {
	dir, base := filepath.Split(name)
	if len(base) > 64 {
		base = base[:64] // the temporary name stays within NAME_MAX
	}
	var f *os.File
	for range 100 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		tmp := filepath.Join(dir, "."+base+".pssh-tmp-"+hex.EncodeToString(b[:]))
		var err error
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, outputPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "create", Path: name, Err: unwrapPath(err)}
		}
		break
	}
	if f == nil {
		return nil, &fs.PathError{Op: "create", Path: name, Err: fs.ErrExist}
	}
	if err := os.Rename(f.Name(), name); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, &fs.PathError{Op: "create", Path: name, Err: unwrapPath(err)}
	}
	return f, nil
}

// unwrapPath returns the error under a *fs.PathError or *os.LinkError.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// outFile is one host's -o or -e file while it is written. After its first
// failure it writes no more, so that the file holds the start of the
// stream, without holes; close reports that failure. A nil *outFile (no
// -o or -e) writes nothing.
type outFile struct {
	f    *os.File
	kept int64        // bytes written
	err  *outputError // the first failure
	info outputError  // Host, Stream and Path of the errors
}

// createOutFile creates name (see createOutput) for one stream of host.
func createOutFile(host, stream, name string) *outFile {
	o := &outFile{info: outputError{Host: host, Stream: stream, Path: name}}
	f, err := createOutput(name)
	if err != nil {
		o.fail("create", err)
		return o
	}
	o.f = f
	return o
}

// fail records the first failure.
func (o *outFile) fail(op string, err error) {
	if o.err == nil {
		e := o.info
		e.Op, e.Kept, e.Err = op, o.kept, unwrapPath(err)
		o.err = &e
	}
}

// write writes p, unless the file could not be created or an earlier
// write failed.
func (o *outFile) write(p []byte) {
	if o == nil || o.f == nil || o.err != nil {
		return
	}
	n, err := o.f.Write(p)
	o.kept += int64(n)
	if err != nil {
		o.fail("write", err)
	}
}

// close closes the file and returns the first failure, if any.
func (o *outFile) close() *outputError {
	if o == nil {
		return nil
	}
	if o.f != nil {
		if err := o.f.Close(); err != nil {
			o.fail("close", err)
		}
	}
	return o.err
}

// makeOutputDirs creates the -o and -e directories (either may be ""). One
// directory for both is refused: a host's stdout and stderr files would be
// one file.
func makeOutputDirs(outDir, errDir string) error {
	for _, dir := range []string{outDir, errDir} {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
	}
	if outDir == "" || errDir == "" {
		return nil
	}
	a, err := os.Stat(outDir)
	if err != nil {
		return err
	}
	b, err := os.Stat(errDir)
	if err != nil {
		return err
	}
	if os.SameFile(a, b) {
		return usagef("-o %s and -e %s are one directory: give each its own, or a host's stdout and stderr files would be one", outDir, errDir)
	}
	return nil
}
