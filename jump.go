package pssh

import (
	"context"
	"errors"
	"net"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/jump"
	"github.com/gopssh/pssh/internal/proxycmd"
	"github.com/gopssh/pssh/internal/sshconn"
)

// transport returns how to open h's transport: the Config.Dial hook for a
// direct connection, the proxy command, or a channel through the last
// jump host, whose shared connection release gives back.
func (d *dialer) transport(ctx context.Context, h *host) (dial func(context.Context, string, string) (net.Conn, error), release func(), err error) {
	switch {
	case h.proxyCommand != "":
		return func(context.Context, string, string) (net.Conn, error) {
			return proxycmd.Start(h.proxyCommand)
		}, nil, nil
	case len(h.hops) == 0:
		return d.cfg.Dial, nil, nil
	}
	jc, release, err := d.jumpClient(ctx, h.hops)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctxError(ctx, h, PhaseConnect)
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
func (d *dialer) jumpClient(ctx context.Context, hops []*host) (*ssh.Client, func(), error) {
	names := make([]string, len(hops))
	for i, hp := range hops {
		names[i] = hp.name
	}
	return d.jumps.Get(ctx, jump.Key(names), func(ctx context.Context) (*ssh.Client, func(), error) {
		dial := d.cfg.Dial
		var releasePrev func()
		if len(hops) > 1 {
			prev, release, err := d.jumpClient(ctx, hops[:len(hops)-1])
			if err != nil {
				return nil, nil, err
			}
			dial, releasePrev = prev.DialContext, release
		}
		last := hops[len(hops)-1]
		activity := new(sshconn.Activity)
		client, err := d.dialSSH(ctx, last, wrapDial(dial, activity.Conn))
		if err != nil {
			if releasePrev != nil {
				releasePrev()
			}
			return nil, nil, &JumpError{Hop: last.name, HopIndex: len(hops), Err: d.connectError(ctx, last, err)}
		}
		stop := func() {}
		if last.keepaliveInterval > 0 {
			stop = sshconn.StartKeepalive(client, last.keepaliveInterval, last.keepaliveCountMax, activity)
		}
		return client, func() {
			stop()
			if releasePrev != nil {
				releasePrev()
			}
		}, nil
	})
}
