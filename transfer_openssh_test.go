package pssh_test

// File transfer against a real OpenSSH sshd (internal-sftp, and scp for the
// SCP functions). Both ends are this machine: remote paths are local paths.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// sharedDir returns a fresh directory that every user may write to, for
// tests logging in as the unprivileged test user.
func sharedDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for p := d; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o777|fs.ModeSticky); err != nil {
			t.Fatal(err)
		}
		if p == d {
			continue
		}
		os.Chmod(p, 0o755) // parents only need to be traversable
	}
	return d
}

// copier is one way to send and fetch, SFTP or SCP.
type copier struct {
	name  string
	send  func(c *pssh.Client, local, remote string, opt *pssh.CopyOptions) ([]*pssh.CopyResult, error)
	fetch func(c *pssh.Client, remote, local string, opt *pssh.CopyOptions) ([]*pssh.CopyResult, error)
}

func copiers(t *testing.T) []copier {
	return []copier{
		{"sftp",
			func(c *pssh.Client, l, r string, o *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
				return c.CopyFile(ctxT(t), l, r, o)
			},
			func(c *pssh.Client, r, l string, o *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
				return c.CopyRemoteFile(ctxT(t), r, l, o)
			}},
		{"scp",
			func(c *pssh.Client, l, r string, o *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
				return c.SCPSend(ctxT(t), l, r, o)
			},
			func(c *pssh.Client, r, l string, o *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
				return c.SCPRecv(ctxT(t), r, l, o)
			}},
	}
}

// transferSSH starts sshd and returns a client config logging in as the
// unprivileged test user, whose shell is /bin/sh: scp runs through the login
// shell, and root's here may read slow rc files.
func transferSSH(t *testing.T, addrs ...string) (*opensshd.Server, *pssh.Config) {
	s, cfg := openSSH(t, opensshd.Options{Addrs: addrs})
	cfg.User, _ = opensshd.EnsureTestUser(t)
	return s, cfg
}

func TestOpenSSHCopyFiles(t *testing.T) {
	s, cfg := transferSSH(t, "127.0.0.1", "127.0.0.2")
	c := newClient(t, s.Addrs, cfg)
	files := []struct {
		name string
		size int
		mode fs.FileMode
	}{
		{"empty", 0, 0o600},
		{"one-byte", 1, 0o644},
		{"packet", 32 << 10, 0o640},
		{"odd", 255<<10 + 1, 0o755},
		{"large", 9<<20 + 333, 0o604},
	}
	for _, cp := range copiers(t) {
		for _, f := range files {
			t.Run(cp.name+"/"+f.name, func(t *testing.T) {
				base := sharedDir(t)
				data := randomBytes(f.size)
				src := filepath.Join(base, "src", f.name)
				makeTree(t, filepath.Join(base, "src"), tree{f.name: data})
				if err := os.Chmod(src, f.mode); err != nil {
					t.Fatal(err)
				}
				mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
				if err := os.Chtimes(src, mtime, mtime); err != nil {
					t.Fatal(err)
				}
				paths := []pssh.CopyPaths{{Remote: filepath.Join(base, "r0", "new", f.name)}, {Remote: filepath.Join(base, "r1", f.name)}}
				var mu sync.Mutex
				progress := map[int][2]int64{}
				res, err := cp.send(c, src, "", &pssh.CopyOptions{HostPaths: paths, PreserveTimes: true,
					Progress: func(host string, i int, done, total int64) {
						mu.Lock()
						progress[i] = [2]int64{done, total}
						mu.Unlock()
					}})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					checkFile(t, paths[i].Remote, data, f.mode, mtime)
					if r.Bytes != int64(f.size) || r.Files != 1 || r.Err != nil {
						t.Errorf("result %+v", r)
					}
					if p := progress[i]; p[0] != int64(f.size) || p[1] != int64(f.size) && p[1] != -1 {
						t.Errorf("host %d progress %v", i, p)
					}
				}
				res, err = cp.fetch(c, "", filepath.Join(base, "back", f.name), &pssh.CopyOptions{HostPaths: paths, PreserveTimes: true})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					want := filepath.Join(base, "back", f.name+"_"+s.Addrs[i])
					if r.Local != want {
						t.Errorf("local %s, want %s", r.Local, want)
					}
					checkFile(t, want, data, f.mode, mtime)
				}
				noTempFiles(t, base)
			})
		}
	}
}

// checkFile checks a file's content, mode and modification time.
func checkFile(t *testing.T, p string, data []byte, mode fs.FileMode, mtime time.Time) {
	t.Helper()
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("%s: %d bytes (%v), want %d", p, len(got), err, len(data))
		return
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), mode)
	}
	if !mtime.IsZero() && !fi.ModTime().Equal(mtime) {
		t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), mtime)
	}
}

func TestOpenSSHCopyTrees(t *testing.T) {
	s, cfg := transferSSH(t)
	// The same host twice: its copies must not overwrite each other.
	c := newClient(t, []string{s.Addrs[0], s.Addrs[0]}, cfg)
	for _, cp := range copiers(t) {
		for _, perHostDir := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/perHostDir=%v", cp.name, perHostDir), func(t *testing.T) {
				base := sharedDir(t)
				want := sampleTree()
				makeTree(t, filepath.Join(base, "src"), want)
				if err := os.Chmod(filepath.Join(base, "src", "a", "b"), 0o750); err != nil {
					t.Fatal(err)
				}
				paths := []pssh.CopyPaths{{Remote: filepath.Join(base, "r0", "tree")}, {Remote: filepath.Join(base, "r1", "x", "tree")}}
				res, err := cp.send(c, filepath.Join(base, "src"), "", &pssh.CopyOptions{HostPaths: paths, Recursive: true})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					sameTree(t, paths[i].Remote, want, readTree(t, paths[i].Remote))
					if r.Files != 5 {
						t.Errorf("%d files", r.Files)
					}
					if fi, err := os.Stat(filepath.Join(paths[i].Remote, "a", "b")); err != nil || fi.Mode().Perm() != 0o750 {
						t.Errorf("directory mode: %v %v", fi.Mode(), err)
					}
				}
				// Sending again over existing files replaces them.
				want["small.txt"] = []byte("changed")
				makeTree(t, filepath.Join(base, "src"), tree{"small.txt": want["small.txt"]})
				if _, err := cp.send(c, filepath.Join(base, "src"), "", &pssh.CopyOptions{HostPaths: paths, Recursive: true}); err != nil {
					t.Fatal(err)
				}
				res, err = cp.fetch(c, "", filepath.Join(base, "back", "tree"), &pssh.CopyOptions{
					HostPaths: paths, Recursive: true, PerHostDir: perHostDir, SuffixSeparator: "."})
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					wantLocal := filepath.Join(base, "back", "tree."+s.Addrs[0]+"."+fmt.Sprint(i))
					if perHostDir {
						wantLocal = filepath.Join(base, "back", "tree", s.Addrs[0]+"."+fmt.Sprint(i), "tree")
					}
					if r.Local != wantLocal {
						t.Errorf("host %d local %s, want %s", i, r.Local, wantLocal)
					}
					sameTree(t, r.Local, want, readTree(t, r.Local))
				}
			})
		}
	}
}

func TestOpenSSHCopyErrors(t *testing.T) {
	s, cfg := transferSSH(t) // not root: permissions apply
	c := newClient(t, s.Addrs, cfg)
	base := sharedDir(t)
	src := filepath.Join(base, "src")
	if err := os.WriteFile(src, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(base, "locked")
	if err := os.Mkdir(locked, 0o755); err != nil { // owned by root
		t.Fatal(err)
	}
	for _, cp := range copiers(t) {
		tests := []struct {
			name   string
			run    func() ([]*pssh.CopyResult, error)
			target error
			path   string
			final  string // must not exist afterwards
		}{
			{"missing remote file", func() ([]*pssh.CopyResult, error) {
				return cp.fetch(c, filepath.Join(base, "nope"), filepath.Join(base, "out"), nil)
			}, fs.ErrNotExist, filepath.Join(base, "nope"), filepath.Join(base, "out_"+s.Addrs[0])},
			{"missing local file", func() ([]*pssh.CopyResult, error) {
				return cp.send(c, filepath.Join(base, "nope"), filepath.Join(base, "x"), nil)
			}, fs.ErrNotExist, filepath.Join(base, "nope"), filepath.Join(base, "x")},
			{"unwritable remote directory", func() ([]*pssh.CopyResult, error) {
				return cp.send(c, src, filepath.Join(locked, "f"), nil)
			}, fs.ErrPermission, locked, filepath.Join(locked, "f")},
			{"directory without Recursive", func() ([]*pssh.CopyResult, error) {
				return cp.send(c, base, filepath.Join(base, "y"), nil)
			}, pssh.ErrIsDir, base, filepath.Join(base, "y")},
		}
		for _, tt := range tests {
			t.Run(cp.name+"/"+tt.name, func(t *testing.T) {
				res, err := tt.run()
				var te *pssh.TransferError
				if !errors.As(err, &te) || !errors.Is(err, tt.target) {
					t.Fatalf("error %v (%T), want a *TransferError matching %v", err, err, tt.target)
				}
				if te.Host != s.Addrs[0] || !strings.HasPrefix(te.Path, tt.path) || res[0].Err != err {
					t.Fatalf("error names %q %q: %v", te.Host, te.Path, err)
				}
				if _, err := os.Stat(tt.final); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("%s exists after a failed copy", tt.final)
				}
				noTempFiles(t, base)
			})
		}
	}
}

func TestOpenSSHCopySpecialFiles(t *testing.T) {
	s, cfg := transferSSH(t)
	c := newClient(t, s.Addrs, cfg)
	for _, cp := range copiers(t) {
		t.Run(cp.name, func(t *testing.T) {
			base := sharedDir(t)
			src := filepath.Join(base, "src")
			makeTree(t, src, tree{"file": []byte("content"), "dir/": nil, "dir/inner": []byte("in")})
			must(t, os.Symlink("file", filepath.Join(src, "link-to-file")))
			must(t, os.Symlink("dir", filepath.Join(src, "link-to-dir")))
			must(t, os.Symlink("nowhere", filepath.Join(src, "dangling")))
			must(t, syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644))
			want := tree{"file": []byte("content"), "link-to-file": []byte("content"), "dir/": nil, "dir/inner": []byte("in")}

			// By default: everything else copied, each special file an error.
			dst := filepath.Join(base, "dst")
			res, err := cp.send(c, src, dst, &pssh.CopyOptions{Recursive: true})
			if !errors.Is(err, pssh.ErrNotRegular) || len(res[0].Skipped) != 3 {
				t.Fatalf("err %v, skipped %q", err, res[0].Skipped)
			}
			sameTree(t, dst, want, readTree(t, dst))

			// SkipSpecial: listed, not an error.
			dst2 := filepath.Join(base, "dst2")
			res, err = cp.send(c, src, dst2, &pssh.CopyOptions{Recursive: true, SkipSpecial: true})
			if err != nil || len(res[0].Skipped) != 3 {
				t.Fatalf("err %v, skipped %q", err, res[0].Skipped)
			}
			sameTree(t, dst2, want, readTree(t, dst2))

			// Fetching the original tree: the same rules on the remote side
			// over SFTP. The remote scp follows links to directories and
			// reports a dangling link as a missing file (an error).
			skipped := 3
			if cp.name == "scp" {
				must(t, os.Remove(filepath.Join(src, "dangling")))
				want["link-to-dir/"] = nil
				want["link-to-dir/inner"] = []byte("in")
				skipped = 1
			}
			res, err = cp.fetch(c, src, filepath.Join(base, "back"), &pssh.CopyOptions{Recursive: true, SkipSpecial: true})
			if err != nil || len(res[0].Skipped) != skipped {
				t.Fatalf("fetch: err %v, skipped %q", err, res[0].Skipped)
			}
			sameTree(t, res[0].Local, want, readTree(t, res[0].Local))
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSHCopy50Hosts(t *testing.T) {
	ips := make([]string, 10)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.0.%d", i+1)
	}
	s, cfg := transferSSH(t, ips...)
	hosts := make([]string, 50)
	for i := range hosts {
		hosts[i] = s.Addrs[i%len(s.Addrs)]
	}
	c := newClient(t, hosts, cfg)
	base := sharedDir(t)
	data := randomBytes(1<<20 + 17)
	src := filepath.Join(base, "src")
	must(t, os.WriteFile(src, data, 0o644))
	for _, cp := range copiers(t) {
		t.Run(cp.name, func(t *testing.T) {
			paths := make([]pssh.CopyPaths, len(hosts))
			for i := range paths {
				paths[i].Remote = filepath.Join(base, cp.name, fmt.Sprintf("host%02d", i), "file")
			}
			res, err := cp.send(c, src, "", &pssh.CopyOptions{HostPaths: paths})
			if err != nil {
				t.Fatal(err)
			}
			for i := range res {
				checkFile(t, paths[i].Remote, data, 0o644, time.Time{})
			}
			// Fetch one remote file from every host: 50 local copies, none
			// overwriting another although each address appears 5 times.
			res, err = cp.fetch(c, src, filepath.Join(base, cp.name+"-back", "f"), nil)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, r := range res {
				seen[r.Local] = true
				checkFile(t, r.Local, data, 0o644, time.Time{})
			}
			if len(seen) != len(hosts) {
				t.Fatalf("%d distinct local files for %d hosts", len(seen), len(hosts))
			}
		})
	}
}
