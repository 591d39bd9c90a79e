package pssh

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"

	"github.com/gopssh/pssh/internal/safename"
)

// CopyRemoteFile copies the file or, with opt.Recursive, directory remote
// from every host in parallel over SFTP into local paths that cannot
// collide (parallel-ssh's copy_remote_file), and returns one result per host
// in host-list order, CopyResult.Local being where that host's copy went.
//
// By default host i's copy is written to local + "_" + host (see
// CopyOptions.SuffixSeparator), or with CopyOptions.PerHostDir to
// local/host/base(remote), the host's name made one path component ('/'
// and NUL become '_', "." and ".." become "_." and "_.."). A host listed
// more than once also gets its index ("name_host_3"). A file name the host
// lists that is not one name ("..", or with a '/') fails the host's copy. A host with its own CopyOptions.HostPaths Local path is
// written exactly there; two hosts given the same path are a
// *HostArgsError before anything is copied. Missing local parent
// directories are created.
//
// Each file is written to a temporary file beside its destination, its size
// checked against the remote file's, then renamed into place: a failed host
// leaves no partial file under the final name. Permission bits are kept;
// times with CopyOptions.PreserveTimes.
//
// Remote symbolic links are followed to regular files; links to
// directories, dangling links and special files are not copied (see
// CopyOptions.SkipSpecial).
func (c *Client) CopyRemoteFile(ctx context.Context, remote, local string, opt *CopyOptions) ([]*CopyResult, error) {
	if opt == nil {
		opt = &CopyOptions{}
	}
	prepare, err := c.fetchNames(opt)
	if err != nil {
		return nil, err
	}
	return c.transfer(ctx, opt, local, remote, func(ctx context.Context, h *host, r *CopyResult, p *progress) error {
		s, err := c.openSFTP(ctx, h)
		if err != nil {
			return err
		}
		defer s.Close()
		plan, err := remotePlan(s, r.Remote, opt.Recursive)
		if err != nil {
			return c.transferError(h, s.client, "stat", r.Remote, false, err)
		}
		p.total = planTotal(plan)
		return c.fetch(ctx, h, s, plan, r, opt, p)
	}, prepare)
}

// fetchNames returns the function giving each host's result its local path.
func (c *Client) fetchNames(opt *CopyOptions) (func(*CopyResult) error, error) {
	sep := opt.SuffixSeparator
	if sep == "" {
		sep = "_"
	}
	count := map[string]int{}
	for _, h := range c.hosts {
		count[h.name]++
	}
	used := map[string]int{}
	return func(r *CopyResult) error {
		h := c.hosts[r.Index]
		if opt.HostPaths != nil && opt.HostPaths[r.Index].Local != "" {
			// The host's own path, as given.
		} else {
			label := safename.Host(h.name)
			if count[h.name] > 1 {
				label += sep + strconv.Itoa(r.Index)
			}
			if opt.PerHostDir {
				r.Local = filepath.Join(r.Local, label, path.Base(r.Remote))
			} else {
				r.Local = strings.TrimRight(r.Local, string(filepath.Separator)) + sep + label
			}
		}
		key := filepath.Clean(r.Local)
		if j, dup := used[key]; dup {
			return &HostArgsError{Index: r.Index, Host: h.name, Pos: -1,
				Reason: fmt.Sprintf("local path %s is also host #%d's: each host needs its own", r.Local, j)}
		}
		used[key] = r.Index
		return nil
	}, nil
}

// remotePlan lists what fetching the remote path src copies; see localPlan.
func remotePlan(s *sftpConn, src string, recursive bool) ([]entry, error) {
	fi, err := s.Stat(src)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w (%v)", ErrNotRegular, fi.Mode().Type())
		}
		return []entry{remoteEntry("", fi)}, nil
	}
	if !recursive {
		return nil, ErrIsDir
	}
	plan := []entry{remoteEntry("", fi)}
	var walk func(rel string) error
	walk = func(rel string) error {
		list, err := s.ReadDir(path.Join(src, rel))
		if err != nil {
			return err
		}
		for _, fi := range list {
			if err := safename.Check(fi.Name()); err != nil {
				return fmt.Errorf("listing %s: %w", path.Join(src, rel), err)
			}
			r := path.Join(rel, fi.Name())
			m := fi.Mode()
			switch {
			case m.IsDir():
				plan = append(plan, remoteEntry(r, fi))
				if err := walk(r); err != nil {
					return err
				}
			case m.IsRegular():
				plan = append(plan, remoteEntry(r, fi))
			case m&fs.ModeSymlink != 0:
				ti, err := s.Stat(path.Join(src, r))
				switch {
				case err != nil:
					plan = append(plan, entry{rel: r, skip: "dangling symbolic link"})
				case ti.Mode().IsRegular():
					plan = append(plan, remoteEntry(r, ti))
				case ti.IsDir():
					plan = append(plan, entry{rel: r, skip: "symbolic link to a directory (not followed)"})
				default:
					plan = append(plan, entry{rel: r, skip: "symbolic link to a special file"})
				}
			default:
				plan = append(plan, entry{rel: r, skip: "special file (" + m.Type().String() + ")"})
			}
		}
		return nil
	}
	return plan, walk("")
}

func remoteEntry(rel string, fi fs.FileInfo) entry {
	e := entry{rel: rel, dir: fi.IsDir(), mode: copyMode(fi.Mode()), size: fi.Size(), mtime: fi.ModTime(), atime: fi.ModTime()}
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		e.atime = time.Unix(int64(st.Atime), 0)
	}
	return e
}

// fetch copies plan (rooted at r.Remote) into r.Local.
func (c *Client) fetch(ctx context.Context, h *host, s *sftpConn, plan []entry, r *CopyResult, opt *CopyOptions, p *progress) error {
	var created []entry
	var errs []error
	for _, e := range plan {
		if ctx.Err() != nil {
			return ctxError(ctx, h, PhaseCommand)
		}
		src := r.Remote
		if e.rel != "" {
			src = path.Join(r.Remote, e.rel)
		}
		dst := filepath.Join(r.Local, filepath.FromSlash(e.rel))
		switch {
		case e.skip != "":
			r.Skipped = append(r.Skipped, src+": "+e.skip)
			if !opt.SkipSpecial {
				errs = append(errs, &TransferError{Host: h.name, Path: src, Op: "skip", Err: &skipError{e.skip}})
			}
		case e.dir:
			made, err := localMkdir(dst, e.rel == "")
			if err != nil {
				return localError(h, "mkdir", dst, err)
			}
			if made {
				if err := os.Chmod(dst, e.mode); err != nil {
					return localError(h, "chmod", dst, err)
				}
				created = append(created, entry{rel: dst, mtime: e.mtime, atime: e.atime})
			}
		default:
			if e.rel == "" {
				if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
					return localError(h, "mkdir", filepath.Dir(dst), err)
				}
			}
			n, err := c.fetchFile(h, s, src, dst, e, opt.PreserveTimes, p)
			r.Bytes += n
			if err != nil {
				return err
			}
			r.Files++
		}
	}
	if opt.PreserveTimes {
		for i := len(created) - 1; i >= 0; i-- {
			d := created[i]
			if err := os.Chtimes(d.rel, d.atime, d.mtime); err != nil {
				return localError(h, "chtimes", d.rel, err)
			}
		}
	}
	return errors.Join(errs...)
}

// localMkdir makes the directory dst (with its parents when root) and says
// whether it made it.
func localMkdir(dst string, root bool) (bool, error) {
	fi, err := os.Stat(dst)
	if err == nil {
		if !fi.IsDir() {
			return false, errors.New("exists and is not a directory")
		}
		return false, nil
	}
	if root {
		err = os.MkdirAll(dst, 0o777)
	} else {
		err = os.Mkdir(dst, 0o777)
	}
	if err != nil {
		// Made meanwhile by someone else: success, as for mkdir -p.
		if fi, serr := os.Stat(dst); serr == nil && fi.IsDir() {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// fetchFile copies the remote file src to the local dst through a
// temporary file, and returns the bytes received.
func (c *Client) fetchFile(h *host, s *sftpConn, src, dst string, e entry, times bool, p *progress) (n int64, err error) {
	rf, err := s.Open(src)
	if err != nil {
		return 0, c.transferError(h, s.client, "open", src, false, err)
	}
	defer rf.Close()
	tmp, err := createLocalTemp(h, dst)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.abandon()
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	n, err = rf.WriteTo(&progressWriter{w: bw, p: p})
	if err == nil {
		err = bw.Flush()
	}
	p.flush()
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == tmp.Name() {
			return n, localError(h, "write", tmp.Name(), err)
		}
		return n, c.transferError(h, s.client, "read", src, false, err)
	}
	if n != e.size {
		return n, &TransferError{Host: h.name, Path: src, Op: "read", Err: fmt.Errorf("%w: %d bytes, the file had %d", ErrSizeMismatch, n, e.size)}
	}
	err = tmp.commit(n, e, times)
	return n, err
}
