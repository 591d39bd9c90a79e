package sshtest

import (
	"io"

	"golang.org/x/crypto/ssh"
)

// serveConn runs one accepted connection: connection faults, the SSH
// handshake, then its channels until the connection ends. f are the faults
// sampled when the connection was accepted.
func (s *Server) serveConn(c *trackedConn, f Faults) {
	defer s.wg.Done()
	defer s.untrack(c)
	defer c.Close()

	remote := c.RemoteAddr()
	switch {
	case f.NoBanner:
		s.logf("%s: holding connection silently (NoBanner fault)", remote)
		// Never write; read (and discard) only to notice the client
		// leaving. Close unblocks the read.
		io.Copy(io.Discard, c)
		return
	case f.GarbageBanner:
		s.logf("%s: answering with garbage, then EOF (GarbageBanner fault)", remote)
		io.WriteString(c, garbageBanner)
		// Half-close, then wait for the client to leave: closing with its
		// version string unread would reset the connection, and the client
		// might never see the garbage.
		if tcp, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			tcp.CloseWrite()
			io.Copy(io.Discard, c)
		}
		return
	case f.EndlessGarbage:
		s.logf("%s: sending endless garbage (EndlessGarbage fault)", remote)
		// Until the client leaves or the connection is dropped; the
		// client's data stays unread.
		for {
			if _, err := io.WriteString(c, garbageLine); err != nil {
				return
			}
		}
	case f.StallKex:
		s.logf("%s: sending the banner, then stalling the key exchange (StallKex fault)", remote)
		if _, err := io.WriteString(c, serverVersion+"\r\n"); err == nil {
			io.Copy(io.Discard, c)
		}
		return
	case f.HugeKexInit > 0:
		s.logf("%s: sending the banner, then a KEXINIT of %d bytes of unknown algorithms (HugeKexInit fault)", remote, f.HugeKexInit)
		if _, err := io.WriteString(c, serverVersion+"\r\n"); err == nil {
			if _, err := c.Write(hugeKexInit(f.HugeKexInit)); err == nil {
				io.Copy(io.Discard, c)
			}
		}
		return
	}
	if f.HandshakeDelay > 0 && !s.sleep(f.HandshakeDelay, c.done) {
		return
	}
	sconn, chans, reqs, err := ssh.NewServerConn(c, s.sshCfg)
	if err != nil {
		s.logf("%s: handshake: %v", remote, err)
		return
	}
	s.logf("%s: connected as %q", remote, sconn.User())
	conn := &serverConn{srv: s, conn: sconn, done: c.done}

	// Serve channels and discard global requests (keepalives etc.) in the
	// same goroutine; both channels close when the connection ends.
	for chans != nil || reqs != nil {
		select {
		case nc, ok := <-chans:
			if !ok {
				chans = nil
				continue
			}
			conn.handleChannel(nc)
		case req, ok := <-reqs:
			if !ok {
				reqs = nil
				continue
			}
			req.Reply(false, nil)
		}
	}
	sconn.Wait()
	s.logf("%s: disconnected", remote)
}

// What the GarbageBanner and EndlessGarbage faults send: lines that are not
// an SSH version banner (which starts with "SSH-"), the latter as one
// endless line.
const (
	garbageBanner = "HTTP/1.0 400 Bad Request\r\nServer: sshtest (GarbageBanner fault)\r\n\r\nThis is not an SSH server.\r\n"
	garbageLine   = "garbage, not an SSH banner, without end of line (EndlessGarbage fault); "
)

// serverConn is an established SSH connection.
type serverConn struct {
	srv  *Server
	conn *ssh.ServerConn
	done <-chan struct{} // closed when the TCP connection is closed
}

// handleChannel accepts session channels and rejects everything else.
func (c *serverConn) handleChannel(nc ssh.NewChannel) {
	if t := nc.ChannelType(); t != "session" {
		c.srv.logf("%s: rejecting channel type %q", c.conn.RemoteAddr(), t)
		nc.Reject(ssh.UnknownChannelType, "sshtest: only session channels are supported")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		c.srv.logf("%s: accepting channel: %v", c.conn.RemoteAddr(), err)
		return
	}
	sess := &session{srv: c.srv, conn: c, ch: ch}
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		sess.serve(reqs)
	}()
}
