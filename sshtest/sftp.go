package sshtest

import (
	"io"
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
