package pssh

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh/internal/sshalgo"

	"github.com/gopssh/pssh/internal/sshauth"
	"github.com/gopssh/pssh/internal/sshconfig"
)

// What a host takes from ssh_config beyond its address and user (see
// resolve.go), and the settings a client resolved for each host, as
// `ssh -G` prints them.

// sshOverride is what beats ssh_config for a host, as ssh's command line
// does: the entry's or the caller's user and port, and the caller's route.
func (c *Client) sshOverride(user string, port int, hc HostConfig) sshconfig.Override {
	o := sshconfig.Override{User: user, Port: port}
routes:
	for _, r := range []struct {
		jump, command string
		proxy         *Proxy
	}{{hc.ProxyJump, hc.ProxyCommand, hc.Proxy}, {c.explicit.ProxyJump, c.explicit.ProxyCommand, c.explicit.Proxy}} {
		switch {
		case r.jump != "":
			o.ProxyJump = r.jump
		case r.command != "":
			o.ProxyCommand = r.command
		case r.proxy != nil:
			o.ProxyJump = r.proxy.Host
		default:
			continue
		}
		break routes
	}
	return o
}

// applySSHConfig takes from ssh_config what the dial path needs beyond
// resolve: HostKeyAlias. (The algorithm lists are hostAlgorithms'.)
func (c *Client) applySSHConfig(h *host, s *sshconfig.Settings) {
	h.sshSettings = s
	h.hostKeyAlias = s.HostKeyAlias
}

// sshConfigKeys are the identity files ssh_config gives, each skipped when
// missing as OpenSSH skips them. A CertificateFile goes with the
// IdentityFile when there is one of each (OpenSSH pairs certificates with
// keys by their public key; pssh offers KEY-cert.pub beside any key).
func sshConfigKeys(s *sshconfig.Settings, passphrase []byte) []sshauth.Key {
	var keys []sshauth.Key
	for _, f := range s.IdentityFiles {
		keys = append(keys, sshauth.Key{Path: f, Passphrase: passphrase, Optional: true})
	}
	if len(keys) == 1 && len(s.CertificateFiles) == 1 {
		if _, err := os.Stat(s.CertificateFiles[0]); err == nil {
			keys[0].CertPath = s.CertificateFiles[0]
		}
	}
	return keys
}

// identityAgent is the agent socket an IdentityAgent value names; "" for
// the default ($SSH_AUTH_SOCK).
func identityAgent(v string) string {
	switch {
	case v == "" || v == "SSH_AUTH_SOCK" || v == "none":
		return ""
	case strings.HasPrefix(v, "$"):
		return os.Getenv(v[1:])
	}
	return v
}

// hopSettings looks a jump host up in ssh_config, as ssh -J does; nil when
// ssh_config is ignored.
func (c *Client) hopSettings(user, hostName string, port int) (*sshconfig.Settings, error) {
	if c.sshConfig == nil {
		return nil, nil
	}
	s, err := c.sshConfig.ResolveWith(hostName, sshconfig.Override{User: firstNonEmpty(user, c.explicit.User), Port: port})
	if err != nil {
		return nil, fmt.Errorf("jump host %s: %w", hostName, sshConfigError(hostName, err))
	}
	return &s, nil
}

// SSHConfigLine is one setting of a host as `ssh -G` prints it: a
// lowercased keyword and its value.
type SSHConfigLine struct {
	Keyword, Value string
}

// ResolvedConfig returns the settings the client resolved for the host at
// index i of the (expanded) host list, in `ssh -G`'s format, for every
// ssh_config keyword pssh applies: the host list entry, the Config fields
// and ssh_config combined, defaults included, as the host will be
// connected. Keywords pssh does not apply are left out. It returns nil for
// an index out of range.
func (c *Client) ResolvedConfig(i int) []SSHConfigLine {
	if i < 0 || i >= len(c.hosts) {
		return nil
	}
	h := c.hosts[i]
	var lines []SSHConfigLine
	if h.sshSettings != nil {
		for _, l := range h.sshSettings.Dump() {
			lines = append(lines, SSHConfigLine{l.Keyword, l.Value})
		}
	} else {
		alias, _, _ := strings.Cut(h.name, "@")
		lines = []SSHConfigLine{{"host", alias}}
	}
	target, port, _ := net.SplitHostPort(h.addr)
	// set replaces a keyword's lines where they are (at the end when
	// there are none).
	set := func(keyword string, values ...string) {
		at := slices.IndexFunc(lines, func(l SSHConfigLine) bool { return l.Keyword == keyword })
		lines = slices.DeleteFunc(lines, func(l SSHConfigLine) bool { return l.Keyword == keyword })
		if at < 0 || at > len(lines) {
			at = len(lines)
		}
		var add []SSHConfigLine
		for _, v := range values {
			add = append(add, SSHConfigLine{keyword, v})
		}
		lines = slices.Insert(lines, at, add...)
	}
	has := func(keyword string) bool {
		return slices.ContainsFunc(lines, func(l SSHConfigLine) bool { return l.Keyword == keyword })
	}
	ex := &c.explicit
	switch {
	case ex.KeyFile != "":
		set("identityfile", ex.KeyFile)
	case !has("identityfile") && !c.cfg.NoDefaultKeys:
		var ids []string
		for _, f := range sshauth.DefaultIdentityFiles {
			ids = append(ids, "~/.ssh/"+f)
		}
		set("identityfile", ids...)
	}
	if ex.CertFile != "" {
		set("certificatefile", ex.CertFile)
	}
	if len(ex.KnownHostsFiles) > 0 {
		// Config.KnownHostsFiles replaces both lists.
		set("userknownhostsfile", strings.Join(ex.KnownHostsFiles, " "))
		set("globalknownhostsfile", "none")
	} else {
		user, global := DefaultKnownHostsFiles()
		if !has("userknownhostsfile") && len(user) > 0 {
			set("userknownhostsfile", strings.Join(user, " "))
		}
		if !has("globalknownhostsfile") {
			set("globalknownhostsfile", strings.Join(global, " "))
		}
	}
	switch ex.HostKeyPolicy {
	case HostKeyAcceptNew:
		set("stricthostkeychecking", "accept-new")
	case HostKeyInsecureIgnore:
		set("stricthostkeychecking", "false")
	}
	set("user", h.user)
	set("hostname", target)
	set("port", port)
	set("connecttimeout", strconv.Itoa(int(h.connectTimeout/time.Second)))
	interval := max(h.keepaliveInterval, 0)
	set("serveraliveinterval", strconv.Itoa(int(interval/time.Second)))
	set("serveralivecountmax", strconv.Itoa(h.keepaliveCountMax))
	// The lists the host is offered: ssh_config's or Config's, resolved by
	// hostAlgorithms.
	for _, l := range []struct {
		kind sshalgo.Kind
		list []string
	}{
		{sshalgo.Cipher, h.algos.ciphers}, {sshalgo.KeyExchange, h.algos.kex},
		{sshalgo.MAC, h.algos.macs}, {sshalgo.HostKey, h.algos.hostKeys},
	} {
		set(strings.ToLower(l.kind.Option()), strings.Join(l.list, ","))
	}
	var jumps []string
	for _, hop := range h.hops {
		jumps = append(jumps, hop.name)
	}
	if len(jumps) > 0 {
		set("proxyjump", strings.Join(jumps, ","))
	} else {
		set("proxyjump")
	}
	if h.proxyCommand != "" {
		set("proxycommand", h.proxyCommand)
	} else {
		set("proxycommand")
	}
	return lines
}

// SSHConfigNotApplied returns the ssh_config keywords that applied to a
// host of the client and that pssh does not apply (ControlMaster,
// ForwardX11, ...), once each, as "FILE:LINE: Keyword".
func (c *Client) SSHConfigNotApplied() []string {
	if c.sshConfig == nil {
		return nil
	}
	return c.sshConfig.NotApplied()
}

// maxHopChain bounds the jump hosts ssh_config's ProxyJump lines chain
// (a hop whose ProxyJump names itself would loop).
const maxHopChain = 8

// firstHopRoute puts before r's hops the route ssh_config gives the first
// of them, as ssh does: "ssh -J a,b" reaches a as "ssh a" would, through
// a's own ProxyJump, while b's is replaced by a.
func (c *Client) firstHopRoute(r route) (route, error) {
	for range maxHopChain {
		first := r.hops[0]
		if first.sshSettings == nil || first.sshSettings.ProxyJump == "" {
			return r, nil
		}
		var before []*host
		for _, spec := range strings.Split(first.sshSettings.ProxyJump, ",") {
			user, hostPort, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(spec), "ssh://"), "@")
			if !ok {
				user, hostPort = "", user
			}
			host, port := hostPort, 0
			if h, p, err := net.SplitHostPort(hostPort); err == nil {
				host = h
				port, _ = strconv.Atoi(p)
			}
			hop, err := c.newHop(user, host, port)
			if err != nil {
				return route{}, err
			}
			before = append(before, hop)
		}
		r.hops = append(before, r.hops...)
	}
	return route{}, fmt.Errorf("ProxyJump: jump hosts chained more than %d deep in ssh_config", maxHopChain)
}
