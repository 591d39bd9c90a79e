package pssh

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/peercred"
)

// controlState is what a Client's dialer knows of its control master.
type controlState struct {
	mu     sync.Mutex
	gone   bool // the master could not be reached: no more tries
	warned bool // ControlWarning was called
	link   *controlLink
}

// attach connects h through the control master at Config.ControlPath.
// It reports false, after warning once, when the master cannot serve h:
// h is then to be connected directly.
func (d *dialer) attach(ctx context.Context, h *host) (*ssh.Client, bool) {
	path := d.cfg.ControlPath
	if path == "" {
		return nil, false
	}
	link, err := d.controlLink(ctx, path, h)
	if link == nil && err == nil {
		return nil, false // gone, and said so
	}
	if err == nil {
		err = link.check(h)
		if err == nil {
			return link.host(h), true
		}
	}
	d.control.mu.Lock()
	if !errors.Is(err, ErrControlRefused) {
		d.control.gone = true // not there, or not working: don't try each host
	}
	warn := !d.control.warned && d.cfg.ControlWarning != nil
	d.control.warned = true
	d.control.mu.Unlock()
	if warn {
		d.cfg.ControlWarning(&ControlError{Path: path, Host: h.name, Err: err})
	}
	return nil, false
}

// attachTimeout bounds the link to a master when the host has no connect
// timeout: a local master answers at once.
const attachTimeout = 10 * time.Second

// controlLink returns the Client's link to the master at path, made on
// first use (or again, once a link is lost): nil, nil once the master is
// known to be gone.
func (d *dialer) controlLink(ctx context.Context, path string, h *host) (*controlLink, error) {
	d.control.mu.Lock()
	defer d.control.mu.Unlock()
	if d.control.gone {
		return nil, nil
	}
	if l := d.control.link; l != nil && !l.lost() {
		return l, nil
	}
	timeout := attachTimeout
	if h.connectTimeout > 0 {
		timeout = min(timeout, h.connectTimeout)
	}
	client, err := dialControl(ctx, path, controlMuxUser, "", timeout)
	if err != nil {
		return nil, err
	}
	d.control.link = newControlLink(client)
	return d.control.link, nil
}

// closeControl closes the link to the master, if any.
func (d *dialer) closeControl() {
	d.control.mu.Lock()
	l := d.control.link
	d.control.link = nil
	d.control.mu.Unlock()
	if l != nil {
		l.client.Close()
	}
}

// dialControl opens an SSH connection to the master at path, as user
// with password, within timeout.
func dialControl(ctx context.Context, path, user, password string, timeout time.Duration) (*ssh.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	uid, err := peercred.UID(conn.(*net.UnixConn))
	if err != nil || uid != os.Getuid() {
		// Not our master: it must not see our credentials' fingerprint,
		// nor run our commands.
		conn.Close()
		return nil, ErrControlRefused
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, "pssh-control", &ssh.ClientConfig{
		// X25519 alone: the link never leaves the machine, so the
		// post-quantum half of the default key exchange (ML-KEM) guards
		// against nobody, and it was a third of the key exchange's CPU,
		// paid once per host by every attaching Client.
		Config: ssh.Config{KeyExchanges: []string{ssh.KeyExchangeCurve25519}},
		User:   user,
		Auth:   []ssh.AuthMethod{ssh.Password(password)},
		// The master's key is made afresh by each master; what vouches
		// for it is the socket: in a directory of the user's alone, and
		// its peer checked to be the user.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		conn.Close()
		if isAuthFailure(err) {
			return nil, ErrControlRefused
		}
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}
