package pssh

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/hostspec"
	"github.com/gopssh/pssh/internal/jump"
	"github.com/gopssh/pssh/internal/proxycmd"
	"github.com/gopssh/pssh/internal/sshconn"
)

// Proxy is one jump host with its own credentials: parallel-ssh's proxy
// settings. Its fields map to parallel-ssh's as Host = proxy_host, Port =
// proxy_port, User = proxy_user, Password = proxy_password, and KeyFile or
// Key = proxy_pkey (a path or the key's bytes). Zero fields take the
// client's values: Config.User, port 22, and the client's credentials
// when none of Password, KeyFile and Key is given. The proxy's host key is
// checked as any host's (Config.KnownHostsFiles, HostKeyPolicy,
// HostKeyCallback).
type Proxy struct {
	Host       string
	Port       int
	User       string
	Password   string
	KeyFile    string
	Key        []byte
	Passphrase []byte // decrypts KeyFile or Key
}

// route is how a host is reached: directly, through hops, or through a
// proxy command.
type route struct {
	hops    []*host // jump hosts: name is "user@host:port", auth their credentials
	command string  // ProxyCommand, tokens not yet expanded; "" for none
}

// parseRoute builds the route of a ProxyJump, Proxy or ProxyCommand
// setting; at most one may be given. "none" for ProxyJump or ProxyCommand
// means direct.
func (c *Client) parseRoute(proxyJump string, proxy *Proxy, command string) (route, error) {
	n := 0
	for _, set := range []bool{proxyJump != "", proxy != nil, command != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return route{}, errors.New("set only one of ProxyJump, Proxy and ProxyCommand")
	}
	switch {
	case command != "" && command != "none":
		// Check the tokens now rather than at connection time.
		if _, err := proxycmd.Expand(command, "h", 22, "r"); err != nil {
			return route{}, err
		}
		return route{command: command}, nil
	case proxy != nil:
		if proxy.Host == "" {
			return route{}, errors.New("Proxy.Host is empty")
		}
		h := &host{}
		h.user = firstNonEmpty(proxy.User, c.cfg.User)
		port := proxy.Port
		if port == 0 {
			port = DefaultPort
		}
		h.addr = hostspec.Addr(proxy.Host, port)
		h.name = h.user + "@" + h.addr
		h.auth = c.auth
		if proxy.Password != "" || proxy.KeyFile != "" || len(proxy.Key) > 0 {
			passphrase := proxy.Passphrase
			if len(passphrase) == 0 {
				passphrase = c.cfg.Passphrase
			}
			auth, err := c.authSet(authOptions(&c.cfg, proxy.Password, proxy.KeyFile, proxy.Key, passphrase, ""))
			if err != nil {
				return route{}, fmt.Errorf("proxy %s: %w", h.name, err)
			}
			h.auth = auth
		}
		if err := c.hopSettings(h); err != nil {
			return route{}, err
		}
		return route{hops: []*host{h}}, nil
	case proxyJump != "" && proxyJump != "none":
		var r route
		for _, s := range strings.Split(proxyJump, ",") {
			spec, err := hostspec.Parse(strings.TrimPrefix(strings.TrimSpace(s), "ssh://"))
			if err != nil {
				return route{}, fmt.Errorf("ProxyJump %q: %w", proxyJump, err)
			}
			h := &host{}
			h.user = firstNonEmpty(spec.User, c.cfg.User)
			port := spec.Port
			if port == 0 {
				port = DefaultPort
			}
			h.addr = hostspec.Addr(spec.Host, port)
			h.name = h.user + "@" + h.addr
			h.auth = c.auth
			if err := c.hopSettings(h); err != nil {
				return route{}, err
			}
			r.hops = append(r.hops, h)
		}
		return r, nil
	}
	return route{}, nil
}

// hopSettings gives a jump host the client-wide connection settings and
// host key check.
func (c *Client) hopSettings(h *host) error {
	h.connectTimeout = cmp.Or(c.explicit.ConnectTimeout, DefaultConnectTimeout)
	h.keepaliveInterval = cmp.Or(c.explicit.KeepaliveInterval, DefaultKeepaliveInterval)
	h.keepaliveCountMax = cmp.Or(max(c.explicit.KeepaliveCountMax, 0), DefaultKeepaliveCountMax)
	return c.resolveHostKeys(h, nil)
}

// setRoute gives h its route: the host's own setting if it has one, else
// the client's, else ssh_config's (ProxyJump first if it has both).
func (c *Client) setRoute(h *host, hc HostConfig) error {
	r := c.route
	var err error
	switch {
	case hc.ProxyJump != "" || hc.Proxy != nil || hc.ProxyCommand != "":
		r, err = c.parseRoute(hc.ProxyJump, hc.Proxy, hc.ProxyCommand)
	case c.cfg.ProxyJump != "" || c.cfg.Proxy != nil || c.cfg.ProxyCommand != "":
		// the client's route, "none" included, beats ssh_config
	case h.sshProxyJump != "":
		r, err = c.parseRoute(h.sshProxyJump, nil, "")
	case h.sshProxyCommand != "":
		r, err = c.parseRoute("", nil, h.sshProxyCommand)
	}
	if err != nil {
		return err
	}
	h.hops = r.hops
	if r.command != "" {
		target, port, err := net.SplitHostPort(h.addr)
		if err != nil {
			return err
		}
		p, _ := strconv.Atoi(port)
		cmd, err := proxycmd.Expand(r.command, target, p, h.user)
		if err != nil {
			return err
		}
		h.proxyCommand = cmd
	}
	return nil
}

// JumpError is returned for a host reached through jump hosts (ProxyJump
// or Proxy) when a jump host failed. Hop names it as "user@host:port" and
// Err is its own error, whose Host is the hop: an *AuthenticationError,
// *HostKeyError, *ConnectionError, *TimeoutError or *UnknownHostError,
// which errors.As finds through the JumpError.
type JumpError struct {
	Host     string // the host as given
	Hop      string // the failing jump host, "user@host:port"
	HopIndex int    // its place in the chain, 1 for the first
	Err      error
}

func (e *JumpError) Error() string {
	return fmt.Sprintf("%s: jump host #%d failed: %v", e.Host, e.HopIndex, e.Err)
}

func (e *JumpError) Unwrap() error { return e.Err }

// transport returns how to open h's transport: the Config.Dial hook for a
// direct connection, the proxy command, or a channel through the last
// jump host, whose shared connection release gives back.
func (c *Client) transport(ctx context.Context, h *host) (dial func(context.Context, string, string) (net.Conn, error), release func(), err error) {
	switch {
	case h.proxyCommand != "":
		return func(context.Context, string, string) (net.Conn, error) {
			return proxycmd.Start(h.proxyCommand)
		}, nil, nil
	case len(h.hops) == 0:
		return c.cfg.Dial, nil, nil
	}
	jc, release, err := c.jumpClient(ctx, h.hops)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctxError(h, ctx)
		}
		var je *JumpError
		if errors.As(err, &je) {
			e := *je // shared by every host behind the hop: give it this host's name
			e.Host = h.name
			return nil, nil, &e
		}
		return nil, nil, &ConnectionError{Host: h.name, Addr: h.addr, Err: err}
	}
	return jc.DialContext, release, nil
}

// jumpClient returns the shared connection to the last of hops, reached
// through the others.
func (c *Client) jumpClient(ctx context.Context, hops []*host) (*ssh.Client, func(), error) {
	names := make([]string, len(hops))
	for i, hp := range hops {
		names[i] = hp.name
	}
	return c.jumps.Get(ctx, jump.Key(names), func(ctx context.Context) (*ssh.Client, func(), error) {
		dial := c.cfg.Dial
		var releasePrev func()
		if len(hops) > 1 {
			prev, release, err := c.jumpClient(ctx, hops[:len(hops)-1])
			if err != nil {
				return nil, nil, err
			}
			dial, releasePrev = prev.DialContext, release
		}
		last := hops[len(hops)-1]
		client, err := c.dialSSH(ctx, last, dial)
		if err != nil {
			if releasePrev != nil {
				releasePrev()
			}
			return nil, nil, &JumpError{Hop: last.name, HopIndex: len(hops), Err: c.connectError(ctx, last, err)}
		}
		stop := func() {}
		if last.keepaliveInterval > 0 {
			stop = sshconn.StartKeepalive(client, last.keepaliveInterval, last.keepaliveCountMax)
		}
		return client, func() {
			stop()
			if releasePrev != nil {
				releasePrev()
			}
		}, nil
	})
}
