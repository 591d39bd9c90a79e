package sshtest

import (
	"encoding/binary"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// subsystemRequest is the payload of a "subsystem" request (RFC 4254 6.5).
type subsystemRequest struct {
	Name string
}

// startSubsystem handles a "subsystem" request. Only "sftp" is served:
// github.com/pkg/sftp's server over the channel, on the real file system,
// with the privileges of the test process, relative paths resolved against
// Config.Dir (default: the test process's current directory).
func (ss *session) startSubsystem(req *ssh.Request) {
	var msg subsystemRequest
	if err := ssh.Unmarshal(req.Payload, &msg); err != nil || msg.Name != "sftp" || ss.requested || ss.srv.cfg.NoSFTP {
		ss.logf("subsystem %q refused", msg.Name)
		req.Reply(false, nil)
		return
	}
	ss.srv.sessions.Add(1)
	f := ss.srv.Faults()
	if f.HangExec {
		ss.logf("subsystem request held unanswered (HangExec fault)")
		return
	}
	ss.requested = true
	var rwc io.ReadWriteCloser = ss.ch
	if f.DropSFTPAfter > 0 {
		rwc = &dropRWC{ReadWriteCloser: ss.ch, left: f.DropSFTPAfter, drop: func() {
			ss.logf("dropping connection after %d bytes of sftp traffic (DropSFTPAfter fault)", f.DropSFTPAfter)
			ss.conn.conn.Close()
		}}
	}
	if f.SFTPDotDotEntry {
		rwc = &dotDotEntry{ReadWriteCloser: rwc}
	}
	var opts []sftp.ServerOption
	if d := ss.srv.cfg.Dir; d != "" {
		opts = append(opts, sftp.WithServerWorkingDirectory(d))
	}
	server, err := sftp.NewServer(rwc, opts...)
	if err != nil {
		ss.logf("sftp: %v", err)
		req.Reply(false, nil)
		return
	}
	req.Reply(true, nil)
	ss.logf("sftp subsystem started")
	ss.sftpDone = make(chan struct{})
	ss.srv.wg.Add(1)
	go func() {
		defer ss.srv.wg.Done()
		defer close(ss.sftpDone)
		err := server.Serve()
		server.Close()
		if err != nil && err != io.EOF {
			ss.logf("sftp: %v", err)
		}
		ss.ch.SendRequest("exit-status", false, ssh.Marshal(exitStatusMsg{Status: 0}))
		ss.ch.CloseWrite()
		ss.ch.Close()
	}()
}

// dropRWC passes at most left bytes of traffic, both directions together,
// then calls drop (which closes the connection) and fails.
type dropRWC struct {
	io.ReadWriteCloser
	mu   sync.Mutex
	left int64
	once sync.Once
	drop func()
	gone atomic.Bool
}

// take reserves up to n bytes of the budget and says how many may pass.
func (d *dropRWC) take(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := min(int64(n), d.left)
	d.left -= k
	return int(k)
}

func (d *dropRWC) fire() {
	d.once.Do(func() {
		d.gone.Store(true)
		d.drop()
	})
}

func (d *dropRWC) Read(p []byte) (int, error) {
	if d.gone.Load() {
		return 0, errDropped
	}
	n, err := d.ReadWriteCloser.Read(p)
	if k := d.take(n); k < n {
		d.fire()
		return k, errDropped
	}
	return n, err
}

func (d *dropRWC) Write(p []byte) (int, error) {
	if d.gone.Load() {
		return 0, errDropped
	}
	k := d.take(len(p))
	n, err := d.ReadWriteCloser.Write(p[:k])
	if k < len(p) {
		d.fire()
		if err == nil {
			err = errDropped
		}
	}
	return n, err
}

// dotDotEntry adds an entry named "x/.." (a directory) to the first
// directory listing (SSH_FXP_NAME reply to READDIR) of the session: the
// SFTPDotDotEntry fault.
type dotDotEntry struct {
	io.ReadWriteCloser
	mu   sync.Mutex
	buf  []byte // the start of a packet not yet whole
	done bool   // the entry was added
}

// sshFxpName is the type of an SFTP NAME packet (draft-ietf-secsh-filexfer-02).
const sshFxpName = 104

func (d *dotDotEntry) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done && len(d.buf) == 0 {
		return d.ReadWriteCloser.Write(p)
	}
	d.buf = append(d.buf, p...)
	for len(d.buf) >= 4 {
		n := int(binary.BigEndian.Uint32(d.buf))
		if len(d.buf) < 4+n {
			break
		}
		pkt := d.buf[4 : 4+n]
		if !d.done && isListing(pkt) {
			pkt = addDotDotEntry(pkt)
			d.done = true
		}
		out := binary.BigEndian.AppendUint32(nil, uint32(len(pkt)))
		if _, err := d.ReadWriteCloser.Write(append(out, pkt...)); err != nil {
			return 0, err
		}
		d.buf = d.buf[4+n:]
	}
	return len(p), nil
}

// isListing tells a NAME packet (type, id, count, then per entry a file
// name, a long name and attributes) answering READDIR, whose names are
// relative, from one answering REALPATH, whose one name is absolute.
func isListing(pkt []byte) bool {
	if len(pkt) < 13 || pkt[0] != sshFxpName || binary.BigEndian.Uint32(pkt[5:9]) == 0 {
		return false
	}
	n := binary.BigEndian.Uint32(pkt[9:13])
	return n > 0 && len(pkt) > 13 && pkt[13] != '/'
}

// addDotDotEntry returns a NAME packet with one more entry, "x/..", a
// directory.
func addDotDotEntry(pkt []byte) []byte {
	out := slices.Clone(pkt)
	binary.BigEndian.PutUint32(out[5:9], binary.BigEndian.Uint32(pkt[5:9])+1)
	for _, s := range []string{"x/..", "drwxr-xr-x    2 x        x               0 Jan  1 00:00 x/.."} {
		out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	out = binary.BigEndian.AppendUint32(out, 0x4)             // attributes: permissions only
	return binary.BigEndian.AppendUint32(out, 0o040000|0o755) // S_IFDIR | rwxr-xr-x
}
