package pssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// SCPSend is CopyFile over SCP, for hosts without the SFTP subsystem: the
// same paths, options, results and guarantees. The files are first
// received by "scp -t" into a temporary name beside the destination
// (".name.pssh-tmp-RANDOM", a directory for a recursive copy); a shell
// script then checks every size, sets the modes and renames each file into
// place, and removes the temporary name, also when it fails.
func (c *Client) SCPSend(ctx context.Context, local, remote string, opt *CopyOptions) ([]*CopyResult, error) {
	if opt == nil {
		opt = &CopyOptions{}
	}
	return c.transferSend(ctx, local, remote, opt, func(ctx context.Context, h *host, plan []entry, r *CopyResult, p *progress) error {
		return c.scpSend(ctx, h, plan, r, opt, p)
	})
}

// scpSend sends plan to r.Remote on one host.
func (c *Client) scpSend(ctx context.Context, h *host, plan []entry, r *CopyResult, opt *CopyOptions, p *progress) error {
	if strings.ContainsAny(r.Remote, "\n") {
		return &TransferError{Host: h.name, Path: r.Remote, Op: "scp", Err: errors.New("scp cannot carry names with newlines")}
	}
	dst := path.Clean(r.Remote)
	tmp := tempName(path.Dir(dst), path.Base(dst), path.Join)
	flags := "-t"
	if plan[0].dir {
		flags = "-r -t"
	}
	if opt.PreserveTimes {
		flags += " -p"
	}
	s, err := c.startSCP(ctx, h, "mkdir -p "+shellQuote(path.Dir(dst))+" && exec scp "+flags+" -- "+shellQuote(tmp))
	if err != nil {
		return err
	}
	// Whatever happens, the temporary name goes: by the finishing script,
	// or here.
	finished := false
	defer func() {
		if !finished {
			c.scpCleanup(ctx, h, tmp)
		}
	}()
	var errs []error
	err = c.scpSendEntries(ctx, h, s, plan, r, opt, p, &errs)
	if err != nil {
		s.abort()
		return err
	}
	if err := s.close(); err != nil {
		return c.scpError(h, s, "scp", tmp, s.eofError(err))
	}
	finished = true
	if err := c.scpFinish(ctx, h, plan, tmp, dst, opt.PreserveTimes); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// scpSendEntries speaks the sink protocol for plan.
func (c *Client) scpSendEntries(ctx context.Context, h *host, s *scpSession, plan []entry, r *CopyResult, opt *CopyOptions, p *progress, errs *[]error) error {
	fail := func(path string, err error) error { return c.scpError(h, s, "scp", path, err) }
	if err := s.ack(); err != nil {
		return fail(r.Remote, err)
	}
	buf := make([]byte, 256<<10)
	var depth []string // relative directories entered
	for _, e := range plan {
		if ctx.Err() != nil {
			return ctxError(ctx, h, PhaseCommand)
		}
		src := filepath.Join(r.Local, filepath.FromSlash(e.rel))
		if e.skip != "" {
			r.Skipped = append(r.Skipped, src+": "+e.skip)
			if !opt.SkipSpecial {
				*errs = append(*errs, localError(h, "skip", src, &skipError{e.skip}))
			}
			continue
		}
		if strings.Contains(e.rel, "\n") {
			return localError(h, "scp", src, errors.New("scp cannot carry names with newlines"))
		}
		// Leave the directories e is not in.
		for len(depth) > 0 && !strings.HasPrefix(e.rel, depth[len(depth)-1]+"/") {
			depth = depth[:len(depth)-1]
			if err := s.send("E\n"); err != nil {
				return fail(r.Remote, err)
			}
		}
		name := path.Base(e.rel)
		if e.rel == "" {
			name = path.Base(r.Remote)
		}
		if opt.PreserveTimes {
			if err := s.send(fmt.Sprintf("T%d 0 %d 0\n", e.mtime.Unix(), e.atime.Unix())); err != nil {
				return fail(r.Remote, err)
			}
		}
		if e.dir {
			if err := s.send(fmt.Sprintf("D%04o 0 %s\n", scpMode(e.mode), name)); err != nil {
				return fail(path.Join(r.Remote, e.rel), err)
			}
			if e.rel != "" {
				depth = append(depth, e.rel)
			}
			continue
		}
		dst := r.Remote
		if e.rel != "" {
			dst = path.Join(r.Remote, e.rel)
		}
		n, err := c.scpSendFile(h, s, src, dst, name, e, buf, p)
		r.Bytes += n
		if err != nil {
			return err
		}
		r.Files++
	}
	for range depth {
		if err := s.send("E\n"); err != nil {
			return fail(r.Remote, err)
		}
	}
	if plan[0].dir {
		return fail(r.Remote, s.send("E\n"))
	}
	return nil
}

// send writes one protocol line and reads its answer.
func (s *scpSession) send(line string) error {
	if _, err := io.WriteString(s.in, line); err != nil {
		return err
	}
	return s.ack()
}

// scpMode is the mode as scp carries it.
func scpMode(m os.FileMode) uint32 {
	mode := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// scpSendFile sends one file's C record and content.
func (c *Client) scpSendFile(h *host, s *scpSession, src, dst, name string, e entry, buf []byte, p *progress) (int64, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, localError(h, "open", src, err)
	}
	defer f.Close()
	if err := s.send(fmt.Sprintf("C%04o %d %s\n", scpMode(e.mode), e.size, name)); err != nil {
		return 0, c.scpError(h, s, "create", dst, err)
	}
	n, err := io.CopyBuffer(&progressWriter{w: s.in, p: p}, io.LimitReader(f, e.size), buf)
	p.flush()
	if err == nil && n != e.size {
		err = fmt.Errorf("%w: the file shrank to %d bytes while it was sent", ErrSizeMismatch, n)
	}
	if err != nil {
		return n, c.scpError(h, s, "write", src, err)
	}
	if _, err := s.in.Write([]byte{0}); err != nil {
		return n, c.scpError(h, s, "write", src, err)
	}
	if err := s.ack(); err != nil {
		return n, c.scpError(h, s, "write", dst, err)
	}
	return n, nil
}

// scpFinish moves what scp received under tmp into dst with a shell
// script read from stdin: sizes checked, modes set, files renamed one by
// one, directories created as needed, tmp removed in every case.
func (c *Client) scpFinish(ctx context.Context, h *host, plan []entry, tmp, dst string, times bool) error {
	var b strings.Builder
	q := shellQuote
	fmt.Fprintf(&b, "trap 'rm -rf %s' EXIT\nset -e\n", strings.ReplaceAll(q(tmp), "'", `'\''`))
	b.WriteString("check() { test \"$(wc -c < \"$1\" | tr -d ' ')\" = \"$2\" || { echo \"$1: size differs after transfer\" >&2; exit 1; }; }\n")
	var newDirs []entry
	for i, e := range plan {
		if e.skip != "" {
			continue
		}
		from, to := tmp, dst
		if e.rel != "" {
			from, to = path.Join(tmp, e.rel), path.Join(dst, e.rel)
		}
		switch {
		case e.dir && i == 0:
			// "|| test -d": another host sharing this file system may make
			// the directory first, which is success, as for mkdir -p.
			fmt.Fprintf(&b, "if test ! -d %s; then { mkdir -p %s && chmod %04o %s; } || test -d %s; fi\n", q(to), q(to), scpMode(e.mode), q(to), q(to))
			newDirs = append(newDirs, entry{rel: to, mtime: e.mtime, atime: e.atime})
		case e.dir:
			fmt.Fprintf(&b, "if test ! -d %s; then { mkdir %s 2>/dev/null && chmod %04o %s; } || test -d %s || mkdir %s; fi\n", q(to), q(to), scpMode(e.mode), q(to), q(to), q(to))
			newDirs = append(newDirs, entry{rel: to, mtime: e.mtime, atime: e.atime})
		default:
			fmt.Fprintf(&b, "check %s %d; chmod %04o %s; mv -f %s %s\n", q(from), e.size, scpMode(e.mode), q(from), q(from), q(to))
		}
	}
	if times {
		for i := len(newDirs) - 1; i >= 0; i-- {
			d := newDirs[i]
			fmt.Fprintf(&b, "TZ=UTC0 touch -m -t %s %s; TZ=UTC0 touch -a -t %s %s\n",
				d.mtime.UTC().Format("200601021504.05"), q(d.rel), d.atime.UTC().Format("200601021504.05"), q(d.rel))
		}
	}
	ctx = context.WithoutCancel(ctx)
	s, err := c.startSCP(ctx, h, "sh -s")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(s.in, b.String()); err != nil {
		s.abort()
		return c.scpError(h, s, "rename", dst, err)
	}
	if err := s.close(); err != nil {
		return c.scpError(h, s, "rename", dst, s.eofError(err))
	}
	return nil
}

// scpCleanup removes tmp on the host, best effort, within a short time.
func (c *Client) scpCleanup(ctx context.Context, h *host, tmp string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(h.connectTimeout, 5*time.Second))
	defer cancel()
	h.conn.mu.Lock()
	alive := h.conn.client != nil
	h.conn.mu.Unlock()
	if !alive {
		return
	}
	s, err := c.startSCP(ctx, h, "rm -rf "+shellQuote(tmp))
	if err == nil {
		s.close()
	}
}
