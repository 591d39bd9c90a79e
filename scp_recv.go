package pssh

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh/internal/safename"
)

// SCPRecv is CopyRemoteFile over SCP ("scp -f" on the host), for hosts
// without the SFTP subsystem: the same local naming, options, results and
// guarantees (each file is written to a temporary file, its size checked,
// then renamed into place).
//
// Unlike over SFTP, the remote scp follows symbolic links to directories
// (a link loop makes it fail), and reports special files as "not a regular
// file" (those are skipped as by CopyRemoteFile). Progress totals are not
// known in advance (-1). File names sent by the host are checked: a name
// with "/" or equal to ".." ends the host's copy with an error.
func (c *Client) SCPRecv(ctx context.Context, remote, local string, opt *CopyOptions) ([]*CopyResult, error) {
	if opt == nil {
		opt = &CopyOptions{}
	}
	prepare, err := c.fetchNames(opt)
	if err != nil {
		return nil, err
	}
	return c.transfer(ctx, opt, local, remote, func(ctx context.Context, h *host, r *CopyResult, p *progress) error {
		flags := "-f"
		if opt.Recursive {
			flags = "-r -f"
		}
		if opt.PreserveTimes {
			flags += " -p"
		}
		s, err := c.startSCP(ctx, h, "exec scp "+flags+" -- "+shellQuote(r.Remote))
		if err != nil {
			return err
		}
		err = c.scpRecv(ctx, h, s, r, opt, p)
		if err != nil {
			s.abort()
			return err
		}
		if err := s.close(); err != nil && r.Files == 0 {
			return c.scpError(h, s, "scp", r.Remote, s.eofError(err))
		}
		return nil
	}, prepare)
}

// scpRecv speaks the sink side of the protocol, writing under r.Local.
func (c *Client) scpRecv(ctx context.Context, h *host, s *scpSession, r *CopyResult, opt *CopyOptions, p *progress) error {
	w := bufio.NewWriterSize(nil, 1<<20)
	buf := make([]byte, 256<<10)
	var dirs []entry // directories entered: local path, times to set on leaving
	var times *[2]time.Time
	var errs []error
	started := false
	ok := func() error { _, err := s.in.Write([]byte{0}); return err }
	if err := ok(); err != nil {
		return c.scpError(h, s, "scp", r.Remote, err)
	}
	for {
		if ctx.Err() != nil {
			return ctxError(ctx, h, PhaseCommand)
		}
		kind, err := s.out.ReadByte()
		if err == io.EOF && started && len(dirs) == 0 {
			return errors.Join(errs...)
		}
		if err != nil {
			return c.scpError(h, s, "scp", r.Remote, s.eofError(err))
		}
		line, err := s.out.ReadString('\n')
		if err != nil {
			return c.scpError(h, s, "scp", r.Remote, s.eofError(err))
		}
		line = strings.TrimSuffix(line, "\n")
		switch kind {
		case 1, 2:
			msg := &errStatus{msg: strings.TrimSpace(line)}
			if strings.Contains(msg.msg, "not a regular file") && started {
				r.Skipped = append(r.Skipped, msg.msg)
				if !opt.SkipSpecial {
					errs = append(errs, &TransferError{Host: h.name, Path: r.Remote, Op: "skip", Err: &skipError{msg.msg}})
				}
			} else {
				errs = append(errs, &TransferError{Host: h.name, Path: r.Remote, Op: "scp", Err: msg})
			}
			if kind == 2 || !started && len(dirs) == 0 {
				return errors.Join(errs...)
			}
			continue
		case 'T':
			var mt, ma, at, aa int64
			if _, err := fmt.Sscanf(line, "%d %d %d %d", &mt, &ma, &at, &aa); err != nil {
				return c.scpError(h, s, "scp", r.Remote, fmt.Errorf("scp protocol error: bad T record %q", line))
			}
			times = &[2]time.Time{time.Unix(mt, 0), time.Unix(at, 0)}
		case 'E':
			if len(dirs) == 0 {
				return c.scpError(h, s, "scp", r.Remote, errors.New("scp protocol error: E record outside a directory"))
			}
			d := dirs[len(dirs)-1]
			dirs = dirs[:len(dirs)-1]
			if d.dir && opt.PreserveTimes && !d.mtime.IsZero() {
				if err := os.Chtimes(d.rel, d.atime, d.mtime); err != nil {
					return localError(h, "chtimes", d.rel, err)
				}
			}
		case 'C', 'D':
			mode, size, name, err := parseSCPRecord(line)
			if err != nil {
				return c.scpError(h, s, "scp", r.Remote, err)
			}
			dst := r.Local
			if started {
				if len(dirs) == 0 {
					return c.scpError(h, s, "scp", r.Remote, errors.New("scp protocol error: a second top-level entry"))
				}
				dst = filepath.Join(dirs[len(dirs)-1].rel, name)
			}
			e := entry{rel: dst, mode: mode, size: size}
			if times != nil {
				e.mtime, e.atime = times[0], times[1]
			}
			times = nil
			if kind == 'D' {
				if !opt.Recursive {
					return c.scpError(h, s, "scp", r.Remote, errors.New("scp protocol error: directory without -r"))
				}
				made, err := localMkdir(dst, !started)
				if err != nil {
					return localError(h, "mkdir", dst, err)
				}
				if made {
					if err := os.Chmod(dst, mode); err != nil {
						return localError(h, "chmod", dst, err)
					}
				}
				e.dir = made
				dirs = append(dirs, e)
			} else {
				if !started {
					if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
						return localError(h, "mkdir", filepath.Dir(dst), err)
					}
				}
				if err := ok(); err != nil {
					return c.scpError(h, s, "scp", r.Remote, err)
				}
				n, err := c.scpRecvFile(h, s, r.Remote, e, w, buf, opt.PreserveTimes, p)
				r.Bytes += n
				if err != nil {
					return err
				}
				r.Files++
			}
			started = true
		default:
			return c.scpError(h, s, "scp", r.Remote, fmt.Errorf("scp protocol error: unexpected record %q", string(kind)+line))
		}
		if kind != 'C' {
			if err := ok(); err != nil {
				return c.scpError(h, s, "scp", r.Remote, err)
			}
		}
	}
}

// parseSCPRecord parses "MODE SIZE NAME" of a C or D record, refusing
// names that would leave the destination.
func parseSCPRecord(line string) (fs.FileMode, int64, string, error) {
	f := strings.SplitN(line, " ", 3)
	if len(f) != 3 {
		return 0, 0, "", fmt.Errorf("scp protocol error: bad record %q", line)
	}
	m, err1 := strconv.ParseUint(f[0], 8, 32)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return 0, 0, "", fmt.Errorf("scp protocol error: bad record %q", line)
	}
	name := f[2]
	if err := safename.Check(name); err != nil {
		return 0, 0, "", fmt.Errorf("scp protocol error: %w", err)
	}
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode, size, name, nil
}

// scpRecvFile receives one file's content into e.rel through a temporary
// file.
func (c *Client) scpRecvFile(h *host, s *scpSession, remote string, e entry, w *bufio.Writer, buf []byte, times bool, p *progress) (n int64, err error) {
	dst := e.rel
	tmp, err := createLocalTemp(h, dst)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.abandon()
		}
	}()
	w.Reset(&progressWriter{w: tmp, p: p})
	n, err = io.CopyBuffer(w, io.LimitReader(s.out, e.size), buf)
	if err == nil {
		err = w.Flush()
	}
	p.flush()
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return n, localError(h, "write", tmp.Name(), err)
		}
		return n, c.scpError(h, s, "read", remote, s.eofError(err))
	}
	if n != e.size {
		return n, c.scpError(h, s, "read", remote, s.eofError(io.ErrUnexpectedEOF))
	}
	// The source's verdict on the file: 0, or an error (it could not read
	// all of it).
	if err = s.ack(); err != nil {
		return n, c.scpError(h, s, "read", remote, err)
	}
	if err = tmp.commit(n, e, times); err != nil {
		return n, err
	}
	if _, err = s.in.Write([]byte{0}); err != nil {
		return n, c.scpError(h, s, "scp", remote, err)
	}
	return n, nil
}
