package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantRegular checks that name is a regular file (not a symlink) holding
// data, with mode bits within max.
func wantRegular(t *testing.T, name, data string, max os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("%s: mode %v, want a regular file", name, fi.Mode())
	}
	if fi.Mode().Perm()&^max != 0 {
		t.Errorf("%s: mode %v, want within %v", name, fi.Mode().Perm(), max)
	}
	wantFile(t, name, data)
}

// wantNoTemp checks that no temporary file is left in dir.
func wantNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".pssh-tmp-") {
			t.Errorf("temporary file left: %s", filepath.Join(dir, e.Name()))
		}
	}
}

// TestOutputDirSymlink plants symlinks and a hard link at the names of the
// -o and -e files: they are replaced by regular files, and the files they
// point to stay untouched.
func TestOutputDirSymlink(t *testing.T) {
	b := newBed(t, 2)
	hosts := b.hosts()
	victims := t.TempDir()
	out, errd := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "err")
	for _, d := range []string{out, errd} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	victim := filepath.Join(victims, "victim")
	writeFile(t, victim, "precious\n")
	// host 0: a symlink to an existing file; host 1: a dangling symlink in
	// -o, a hard link in -e.
	if err := os.Symlink(victim, filepath.Join(out, hosts[0])); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(errd, hosts[0])); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(victims, "created")
	if err := os.Symlink(dangling, filepath.Join(out, hosts[1])); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, filepath.Join(errd, hosts[1])); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, append(b.flags(), "-o", out, "-e", errd, "echo to-out; echo to-err >&2")...)
	wantCode(t, r, 0)
	wantFile(t, victim, "precious\n")
	if _, err := os.Lstat(dangling); !os.IsNotExist(err) {
		t.Errorf("%s was created through a dangling symlink: %v", dangling, err)
	}
	for _, h := range hosts {
		wantRegular(t, filepath.Join(out, h), "to-out\n", 0o644)
		wantRegular(t, filepath.Join(errd, h), "to-err\n", 0o644)
	}
	wantNoTemp(t, out)
	wantNoTemp(t, errd)
}

func TestCreateOutputErrors(t *testing.T) {
	dir := t.TempDir()
	// A directory at the name cannot be replaced: an error naming it, and
	// no temporary file left behind.
	name := filepath.Join(dir, "host")
	if err := os.Mkdir(name, 0o755); err != nil {
		t.Fatal(err)
	}
	if f, err := createOutput(name); err == nil {
		f.Close()
		t.Fatal("createOutput over a directory succeeded")
	} else if !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not name %s", err, name)
	}
	wantNoTemp(t, dir)
	// A missing directory.
	if _, err := createOutput(filepath.Join(dir, "nope", "host")); err == nil || !os.IsNotExist(err) {
		t.Errorf("createOutput in a missing directory: %v", err)
	}
	// A long name still gets a temporary name within NAME_MAX.
	long := filepath.Join(dir, strings.Repeat("h", 250))
	f, err := createOutput(long)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	wantRegular(t, long, "", 0o644)
}

// TestSlurpSymlink plants a symlink at the local name a slurped file gets:
// it is replaced by the fetched file, and the file it points to stays
// untouched, with SFTP and with scp.
func TestSlurpSymlink(t *testing.T) {
	remote := filepath.Join(t.TempDir(), "app.log")
	writeFile(t, remote, "line 1\n")
	for _, scp := range []bool{false, true} {
		name := "sftp"
		if scp {
			name = "scp"
		}
		t.Run(name, func(t *testing.T) {
			b := newBed(t, 2)
			flags := b.flags()
			if scp {
				flags = append(flags, "--scp")
			}
			victim := filepath.Join(t.TempDir(), "victim")
			writeFile(t, victim, "precious\n")
			local := filepath.Join(t.TempDir(), "got")
			for _, h := range b.hosts() {
				if err := os.MkdirAll(filepath.Join(local, h), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(victim, filepath.Join(local, h, "app.log")); err != nil {
					t.Fatal(err)
				}
			}
			r := runPssh(t, append(append([]string{"slurp"}, flags...), remote, local)...)
			wantAllOK(t, r, b.hosts(), "7 bytes")
			wantFile(t, victim, "precious\n")
			for _, h := range b.hosts() {
				wantRegular(t, filepath.Join(local, h, "app.log"), "line 1\n", 0o644)
				wantNoTemp(t, filepath.Join(local, h))
			}
		})
	}
}
