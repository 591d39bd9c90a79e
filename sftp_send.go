package pssh

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/pkg/sftp"
)

// CopyFile copies the local file or, with opt.Recursive, directory local to
// the path remote on every host in parallel over SFTP (parallel-ssh's
// copy_file), and returns one result per host in host-list order.
//
// remote is the destination itself: the file's new name, or for a directory
// the directory its contents go into (created if missing). Missing parent
// directories are created. Permission bits are kept (directories this call
// creates get their source's; existing ones are left as they are); times
// only with opt.PreserveTimes.
//
// Each file is written to a temporary name beside its destination
// (".name.pssh-tmp-RANDOM"), its size checked, and only then renamed over
// the destination, so that the destination holds either its old content or
// the complete new one. A failed file's temporary file is removed; only a
// connection that dies mid-file can leave one behind, never a partial file
// under the final name. A directory copy that fails part-way leaves the
// files completed before the failure in place.
//
// Symbolic links: the source itself is followed; below it, links to
// regular files are sent as the files they point to, while links to
// directories, dangling links and special files are not copied (see
// CopyOptions.SkipSpecial).
//
// Connections are the client's kept ones (opened if needed); at most
// Config.PoolSize hosts copy at once. ctx ends the copies still running.
func (c *Client) CopyFile(ctx context.Context, local, remote string, opt *CopyOptions) ([]*CopyResult, error) {
	if opt == nil {
		opt = &CopyOptions{}
	}
	return c.transferSend(ctx, local, remote, opt, func(ctx context.Context, h *host, plan []entry, r *CopyResult, p *progress) error {
		s, err := c.openSFTP(ctx, h)
		if err != nil {
			return err
		}
		defer s.Close()
		return c.send(ctx, h, s, plan, r, opt, p)
	})
}

// transferSend is transfer for the copies to the hosts: it plans each
// distinct local source once, before any host starts, and hands send the
// plan of the host's source, its byte total already set on p. A source
// that cannot be read fails each host that sends it, naming the local path.
func (c *Client) transferSend(ctx context.Context, local, remote string, opt *CopyOptions,
	send func(ctx context.Context, h *host, plan []entry, r *CopyResult, p *progress) error) ([]*CopyResult, error) {
	plans := map[string]*sendPlan{}
	return c.transfer(ctx, opt, local, remote, func(ctx context.Context, h *host, r *CopyResult, p *progress) error {
		sp := plans[r.Local]
		if sp.err != nil {
			return localError(h, "stat", r.Local, sp.err)
		}
		p.total = planTotal(sp.entries)
		return send(ctx, h, sp.entries, r, p)
	}, func(r *CopyResult) error {
		if plans[r.Local] == nil {
			sp := &sendPlan{}
			sp.entries, sp.err = localPlan(r.Local, opt.Recursive)
			plans[r.Local] = sp
		}
		return nil
	})
}

type sendPlan struct {
	entries []entry
	err     error
}

// send copies plan (rooted at r.Local) to r.Remote over s.
func (c *Client) send(ctx context.Context, h *host, s *sftpConn, plan []entry, r *CopyResult, opt *CopyOptions, p *progress) error {
	fail := func(op, p string, err error) error { return c.transferError(h, s.client, op, p, false, err) }
	var created []entry // directories this call created, for their times
	var errs []error
	for _, e := range plan {
		if err := ctx.Err(); err != nil {
			return ctxError(ctx, h, PhaseCommand)
		}
		src := filepath.Join(r.Local, filepath.FromSlash(e.rel))
		dst := r.Remote
		if e.rel != "" {
			dst = path.Join(r.Remote, e.rel)
		}
		switch {
		case e.skip != "":
			r.Skipped = append(r.Skipped, src+": "+e.skip)
			if !opt.SkipSpecial {
				errs = append(errs, localError(h, "skip", src, &skipError{e.skip}))
			}
		case e.dir:
			made, err := remoteMkdir(s, dst, e.rel == "")
			if err != nil {
				return fail("mkdir", dst, err)
			}
			if made {
				if err := s.Chmod(dst, e.mode); err != nil {
					return fail("chmod", dst, err)
				}
				created = append(created, entry{rel: dst, mtime: e.mtime, atime: e.atime})
			}
		default:
			if e.rel == "" {
				if dir := path.Dir(dst); dir != "." && dir != "/" {
					if err := s.MkdirAll(dir); err != nil {
						return fail("mkdir", dir, err)
					}
				}
			}
			n, err := c.sendFile(h, s, src, dst, e, opt.PreserveTimes, p)
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
			if err := s.Chtimes(d.rel, d.atime, d.mtime); err != nil {
				return fail("chtimes", d.rel, err)
			}
		}
	}
	return errors.Join(errs...)
}

// skipError is the cause of a "skip" TransferError: ErrNotRegular with the
// reason.
type skipError struct{ reason string }

func (e *skipError) Error() string        { return e.reason + ": not copied" }
func (e *skipError) Is(target error) bool { return target == ErrNotRegular }

// remoteMkdir makes the directory dst, with its parents when root, and
// says whether it made dst.
func remoteMkdir(s *sftpConn, dst string, root bool) (bool, error) {
	fi, err := s.Stat(dst)
	if err == nil {
		if !fi.IsDir() {
			return false, &os.PathError{Op: "mkdir", Path: dst, Err: errors.New("exists and is not a directory")}
		}
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if root {
		err = s.MkdirAll(dst)
	} else {
		err = s.Mkdir(dst)
	}
	if err != nil {
		// Another host sharing this file system (an NFS home, hosts on one
		// machine) may have made it since the Stat: that is success, as
		// for mkdir -p, and the directory is not ours to chmod.
		if fi, serr := s.Stat(dst); serr == nil && fi.IsDir() {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// sendFile writes the local file src to dst through a temporary file, and
// returns the bytes sent.
func (c *Client) sendFile(h *host, s *sftpConn, src, dst string, e entry, times bool, p *progress) (int64, error) {
	lf, err := os.Open(src)
	if err != nil {
		return 0, localError(h, "open", src, err)
	}
	defer lf.Close()
	tmp := tempName(path.Dir(dst), path.Base(dst), path.Join)
	f, err := s.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return 0, c.transferError(h, s.client, "create", tmp, false, err)
	}
	n, err := c.writeRemote(h, s, f, lf, src, tmp, e, times, p)
	if err != nil {
		f.Close()
		s.Remove(tmp) // best effort: fails too if the connection is gone
		return n, err
	}
	if err := renameRemote(s, tmp, dst); err != nil {
		s.Remove(tmp)
		return n, c.transferError(h, s.client, "rename", dst, false, err)
	}
	return n, nil
}

// writeRemote copies lf into the open temporary file f, checks the size
// and sets mode and times; f is closed on success.
func (c *Client) writeRemote(h *host, s *sftpConn, f *sftp.File, lf *os.File, src, tmp string, e entry, times bool, p *progress) (int64, error) {
	n, err := f.ReadFromWithConcurrency(&progressReader{r: lf, p: p}, 0)
	p.flush()
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Path == src {
			return n, localError(h, "read", src, err)
		}
		return n, c.transferError(h, s.client, "write", tmp, false, err)
	}
	if n != e.size {
		return n, localError(h, "read", src, ErrSizeMismatch)
	}
	fi, err := f.Stat()
	if err != nil {
		return n, c.transferError(h, s.client, "stat", tmp, false, err)
	}
	if fi.Size() != n {
		return n, &TransferError{Host: h.name, Path: tmp, Op: "write", Err: ErrSizeMismatch}
	}
	if err := f.Chmod(e.mode); err != nil {
		return n, c.transferError(h, s.client, "chmod", tmp, false, err)
	}
	if err := f.Close(); err != nil {
		return n, c.transferError(h, s.client, "write", tmp, false, err)
	}
	if times {
		if err := s.Chtimes(tmp, e.atime, e.mtime); err != nil {
			return n, c.transferError(h, s.client, "chtimes", tmp, false, err)
		}
	}
	return n, nil
}

// renameRemote renames tmp over dst: atomically with posix-rename, else by
// removing dst first when a plain rename refuses to replace it.
func renameRemote(s *sftpConn, tmp, dst string) error {
	if s.posix {
		return s.PosixRename(tmp, dst)
	}
	err := s.Rename(tmp, dst)
	if err == nil {
		return nil
	}
	if fi, serr := s.Lstat(dst); serr == nil && !fi.IsDir() {
		if rerr := s.Remove(dst); rerr != nil {
			return err
		}
		return s.Rename(tmp, dst)
	}
	return err
}
