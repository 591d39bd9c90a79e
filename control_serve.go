package pssh

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/keygen"
	"github.com/gopssh/pssh/internal/peercred"
	"github.com/gopssh/pssh/internal/sshrelay"
)

// ControlOptions are the options of [Client.ServeControl]. The zero value
// serves until the context ends.
type ControlOptions struct {
	// IdleTimeout, if positive, ends ServeControl after this long with no
	// Client attached.
	IdleTimeout time.Duration
	// Logf, if set, receives a line for each attachment and refusal.
	Logf func(format string, args ...any)
}

// ServeControl makes c a control master: it listens on the Unix socket
// path (see [DefaultControlPath]) and serves c's kept connections to the
// Clients that name path as their Config.ControlPath, connecting hosts as
// they are asked for (hosts not in c's list too, resolved with c's
// Config). It returns when ctx ends or, with opt.IdleTimeout, when no
// Client has been attached for that long, after closing the attached
// Clients' links and removing the socket; c and its connections stay
// open.
//
// The socket's directory is created with mode 0700 if missing, and must
// belong to the user and be closed to others. A peer of another user ID
// (SO_PEERCRED) is refused, and so is a request for a host whose
// credentials differ from c's for that host. A socket left at path by a
// master that is gone is replaced; one a live master answers on is an
// error.
func (c *Client) ServeControl(ctx context.Context, path string, opt *ControlOptions) error {
	return c.serveControl(ctx, path, opt, os.Getuid())
}

// master is a running control master.
type master struct {
	c    *Client
	uid  int // the only user served
	opt  ControlOptions
	srv  *ssh.ServerConfig
	idle chan struct{} // signalled when the last attachment ends

	mu       sync.Mutex
	attached map[net.Conn]struct{}
	extra    map[string]*host // hosts not in c's list, by name
	listed   map[string]*host // the first host of c's list of each name
	wg       sync.WaitGroup
}

// serveControl is ServeControl serving only the user uid.
func (c *Client) serveControl(ctx context.Context, path string, opt *ControlOptions, uid int) error {
	m := &master{c: c, uid: uid, idle: make(chan struct{}, 1), attached: map[net.Conn]struct{}{}, extra: map[string]*host{},
		listed: make(map[string]*host, len(c.hosts))}
	for _, h := range slices.Backward(c.hosts) {
		m.listed[h.name] = h // the first of a name wins
	}
	if opt != nil {
		m.opt = *opt
	}
	if err := controlDir(path); err != nil {
		return fmt.Errorf("pssh: control socket: %w", err)
	}
	if conn, err := net.Dial("unix", path); err == nil {
		conn.Close()
		return fmt.Errorf("pssh: control socket %s: a master is already listening", path)
	}
	os.Remove(path) // a stale socket, if any
	key, _, err := keygen.Signer(ssh.KeyAlgoED25519)
	if err != nil {
		return fmt.Errorf("pssh: control master key: %w", err)
	}
	m.srv = &ssh.ServerConfig{PasswordCallback: m.acceptLink}
	m.srv.AddHostKey(key)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("pssh: control socket: %w", err)
	}
	// Removed by Close below (net.UnixListener unlinks what it created).
	defer ln.Close()
	m.logf("control master listening on %s", path)

	accepted := make(chan net.Conn)
	acceptErr := make(chan error, 1)
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			select {
			case accepted <- conn:
			case <-stopped:
				conn.Close()
			}
		}
	}()
	var idle <-chan time.Time
	var timer *time.Timer
	if m.opt.IdleTimeout > 0 {
		timer = time.NewTimer(m.opt.IdleTimeout)
		defer timer.Stop()
		idle = timer.C
	}
	defer m.closeAll()
	for {
		select {
		case <-ctx.Done():
			m.logf("control master stopping: %v", ctx.Err())
			return nil
		case <-idle:
			if m.count() == 0 {
				m.logf("control master idle for %v: stopping", m.opt.IdleTimeout)
				return nil
			}
		case <-m.idle:
			if timer != nil && m.count() == 0 {
				timer.Reset(m.opt.IdleTimeout)
			}
		case err := <-acceptErr:
			return fmt.Errorf("pssh: control socket: %w", err)
		case conn := <-accepted:
			if timer != nil {
				timer.Stop()
			}
			m.attach(conn)
		}
	}
}

func (m *master) logf(format string, args ...any) {
	if m.opt.Logf != nil {
		m.opt.Logf(format, args...)
	}
}

func (m *master) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.attached)
}

// closeAll closes every attached link and waits for their relays.
func (m *master) closeAll() {
	m.mu.Lock()
	for conn := range m.attached {
		conn.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// attach checks the peer's user and serves conn.
func (m *master) attach(conn net.Conn) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return
	}
	uid, err := peercred.UID(uc)
	if err != nil || uid != m.uid {
		m.logf("control master: refusing a peer of user %d (%v)", uid, err)
		conn.Close()
		return
	}
	m.mu.Lock()
	m.attached[conn] = struct{}{}
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() {
			conn.Close()
			m.mu.Lock()
			delete(m.attached, conn)
			m.mu.Unlock()
			select {
			case m.idle <- struct{}{}:
			default:
			}
		}()
		m.serve(conn)
	}()
}

// serve runs one attached link: an SSH connection of an attaching
// Client (user controlMuxUser), or a status question. Each channel opened
// on a Client's link is relayed to its host's kept connection, once the
// credentials it carries are found to be the master's own for that host.
func (m *master) serve(conn net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(conn, m.srv)
	if err != nil {
		m.logf("control master: %v", err)
		return
	}
	defer sc.Close()
	if sc.User() == controlStatusUser {
		m.serveStatus(chans, reqs)
		return
	}
	m.logf("control master: a client attached")
	defer m.logf("control master: a client detached")
	go func() {
		for r := range reqs {
			ok := false
			var q hostCheck
			if r.Type == controlCheckRequest && ssh.Unmarshal(r.Payload, &q) == nil {
				_, err := m.authorize(q.Host, q.Credentials)
				ok = err == nil
			}
			if r.WantReply {
				r.Reply(ok, nil)
			}
		}
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		var hc hostChannel
		if nc.ChannelType() != controlHostChannel || ssh.Unmarshal(nc.ExtraData(), &hc) != nil {
			nc.Reject(ssh.UnknownChannelType, "not a host's channel")
			continue
		}
		h, err := m.authorize(hc.Host, hc.Credentials)
		if err != nil {
			nc.Reject(ssh.Prohibited, err.Error())
			continue
		}
		wg.Go(func() {
			sshrelay.Relay(innerChannel{nc, &hc}, &hostOpener{d: m.c.dialer, h: h, ctx: m.c.closing})
		})
	}
}

// acceptLink accepts a link's SSH authentication: its peer's user was
// checked when it was accepted (see attach), and each host is checked by
// authorize.
func (m *master) acceptLink(meta ssh.ConnMetadata, _ []byte) (*ssh.Permissions, error) {
	if u := meta.User(); u != controlStatusUser && u != controlMuxUser {
		return nil, ErrControlRefused
	}
	return nil, nil
}

// authorize returns the host name, if the credentials an attaching Client
// has for it are the master's own.
func (m *master) authorize(name, credentials string) (*host, error) {
	h, err := m.host(name)
	if err != nil {
		m.logf("control master: %s: %v", name, err)
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(credentials), []byte(h.credentials)) != 1 {
		m.logf("control master: %s: refused: other credentials", name)
		return nil, ErrControlRefused
	}
	return h, nil
}

// host returns the master's host of that name: the first of its list, or
// one resolved now and kept.
func (m *master) host(name string) (*host, error) {
	if h, ok := m.listed[name]; ok {
		return h, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.extra[name]; ok {
		return h, nil
	}
	h, err := m.c.newHost(len(m.c.hosts)+len(m.extra), name, HostConfig{})
	if err != nil {
		return nil, err
	}
	m.extra[name] = h
	return h, nil
}

// hostOpener opens channels on a host's kept connection, connecting it
// first if need be, and once more if the kept one turns out dead.
type hostOpener struct {
	ctx context.Context
	d   *dialer
	h   *host
}

func (o *hostOpener) OpenChannel(name string, data []byte) (ssh.Channel, <-chan *ssh.Request, error) {
	client, reused, err := o.d.connect(o.ctx, o.h)
	if err != nil {
		return nil, nil, err
	}
	ch, reqs, err := client.OpenChannel(name, data)
	if _, refused := errors.AsType[*ssh.OpenChannelError](err); err != nil && reused && !refused {
		o.h.conn.drop(client)
		if client, _, err = o.d.connect(o.ctx, o.h); err != nil {
			return nil, nil, err
		}
		ch, reqs, err = client.OpenChannel(name, data)
	}
	return ch, reqs, err
}
