package pssh

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/gopssh/pssh/internal/flow"
	"github.com/gopssh/pssh/internal/jump"
	"github.com/gopssh/pssh/internal/knownhosts"
	"github.com/gopssh/pssh/internal/sshconn"
	"golang.org/x/crypto/ssh"
)

// dialer opens the SSH connections of a client's hosts and jump hosts,
// with the client-wide settings: the dial path, apart from the Client.
type dialer struct {
	cfg       *Config    // the client's, defaults filled in
	jumps     jump.Pool  // connections to jump hosts, shared by hosts
	fileLimit *FileLimit // the client's open file limit, for EMFILE errors
	// flow bounds the output the hosts' connections may hold unread (see
	// package flow); nil for no bound.
	flow    *flow.Budget
	control controlState
}

// Dialing: one SSH connection to a host or a jump host over a given
// transport, and its failure turned into the public errors.

// dialSSH opens an SSH connection to h (a host or a jump host) over dial.
func (d *dialer) dialSSH(ctx context.Context, h *host, dial func(context.Context, string, string) (net.Conn, error)) (*ssh.Client, error) {
	hostKeyAlgos := h.algos.hostKeys
	keyName := h.addr // the name a Config.HostKeyCallback is given
	if h.hostKeyAlias != "" {
		keyName = net.JoinHostPort(h.hostKeyAlias, "22") // ssh_config's HostKeyAlias: no port
	}
	if h.known != nil {
		// Ask for the key types known_hosts has for the host first, so that
		// a server with several host keys offers the known one.
		hostKeyAlgos = h.known.HostKeyAlgorithms(h.knownTarget(), hostKeyAlgos)
	}
	return sshconn.Dial(ctx, sshconn.Config{
		Addr: h.addr,
		Client: &ssh.ClientConfig{
			Config: ssh.Config{
				KeyExchanges: h.algos.kex,
				Ciphers:      h.algos.ciphers,
				MACs:         h.algos.macs,
			},
			User:              h.user,
			Auth:              h.auth.Methods(),
			HostKeyAlgorithms: hostKeyAlgos,
			HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
				if h.hostKeyAlias != "" {
					hostname = keyName
				}
				if err := h.hostKeyCallback(hostname, remote, key); err != nil {
					return &hostKeyErr{err, key}
				}
				return nil
			},
		},
		ConnectTimeout:   h.connectTimeout,
		HandshakeTimeout: h.handshakeTimeout,
		Retries:          d.cfg.Retries,
		RetryDelay:       d.cfg.RetryDelay,
		Network:          d.cfg.AddressFamily.network(),
		Dial:             dial,
	})
}

// connectError turns a sshconn error into the public typed error.
func (d *dialer) connectError(ctx context.Context, h *host, err error) error {
	var ce *sshconn.Error
	if !errors.As(err, &ce) {
		return &ConnectionError{Host: h.name, Addr: h.addr, Err: fileLimitError(*d.fileLimit, err)}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(ce.Err, context.Canceled):
		return &NotStartedError{Host: h.name, Err: ce.Err}
	case errors.As(ce.Err, &dnsErr) && !dnsErr.IsTimeout && !dnsErr.IsTemporary:
		return &UnknownHostError{Host: h.name, Err: ce.Err}
	case ce.Timeout:
		if ctx.Err() != nil {
			return ctxError(ctx, h, connectPhase(ce.Phase))
		}
		return &TimeoutError{Host: h.name, Phase: connectPhase(ce.Phase), Limit: ce.Limit, Err: ce.Err}
	case ce.Phase == sshconn.PhaseAuth && isAuthFailure(ce.Err):
		return &AuthenticationError{Host: h.name, User: h.user, Addr: h.addr, Tried: h.auth.Tried(), Skipped: h.auth.Skipped(), Err: ce.Err}
	case ce.Phase == sshconn.PhaseHandshake && isAlgorithmFailure(ce.Err):
		ae, _ := algorithmError(ce.Err)
		return &ConnectionError{Host: h.name, Addr: h.addr, Attempts: ce.Attempts, Err: ae}
	case ce.Phase == sshconn.PhaseHandshake && isHostKeyFailure(ce.Err):
		var hk *hostKeyErr
		errors.As(ce.Err, &hk)
		return hostKeyError(h, hk.err, hk.key)
	}
	return &ConnectionError{Host: h.name, Addr: h.addr, Attempts: ce.Attempts, Err: fileLimitError(*d.fileLimit, ce.Err)}
}

// hostKeyErr marks errors returned by the host key callback, so that they can
// be told from other handshake failures.
type hostKeyErr struct {
	err error
	key ssh.PublicKey // the key the server offered
}

func (e *hostKeyErr) Error() string { return e.err.Error() }
func (e *hostKeyErr) Unwrap() error { return e.err }

func isHostKeyFailure(err error) bool {
	var hk *hostKeyErr
	return errors.As(err, &hk)
}

func isAuthFailure(err error) bool {
	// x/crypto/ssh gives no type for this; its message is stable.
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}

// hostKeyError makes the public error of a host key rejection.
func hostKeyError(h *host, err error, key ssh.PublicKey) *HostKeyError {
	e := &HostKeyError{Host: h.name, Addr: h.addr, Err: err}
	if key != nil {
		e.KeyType = key.Type()
		e.Fingerprint = knownhosts.Fingerprint(key)
	}
	var ke *knownhosts.KeyError
	var fe *knownhosts.FileError
	if errors.As(err, &fe) {
		e.Files = []string{fe.File}
	}
	if errors.As(err, &ke) {
		e.Unknown, e.Revoked = ke.Unknown, ke.Revoked
		for _, l := range ke.Known {
			e.Known = append(e.Known, l.String())
		}
		e.knownHost, e.Files = ke.Host, ke.Files
		if len(ke.Known) > 0 {
			e.knownFile = ke.Known[0].File
		}
	}
	return e
}

// connectPhase is the public Phase of a sshconn phase: the wait for the
// server's version line is part of PhaseConnect, as it is of
// ConnectTimeout.
func connectPhase(p sshconn.Phase) Phase {
	switch p {
	case sshconn.PhaseHandshake:
		return PhaseHandshake
	case sshconn.PhaseAuth:
		return PhaseAuth
	}
	return PhaseConnect
}

// ctxError is the error of a host whose run's context ended during phase:
// a *TimeoutError at its deadline (with RunOptions.HostTimeout as its Limit
// when that was the deadline), else a *SessionError wrapping
// context.Canceled.
func ctxError(ctx context.Context, h *host, phase Phase) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e := &TimeoutError{Host: h.name, Phase: phase, Deadline: true, Err: ctx.Err()}
		var ht *hostTimeout
		if errors.As(context.Cause(ctx), &ht) {
			e.Limit = ht.limit
		}
		return e
	}
	if errors.Is(context.Cause(ctx), errClientClosed) {
		return &SessionError{Host: h.name, Op: "run", Err: errClientClosed}
	}
	return &SessionError{Host: h.name, Op: "run", Err: ctx.Err()}
}
