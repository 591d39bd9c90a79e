package pssh

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/hostspec"
	"github.com/gopssh/pssh/internal/knownhosts"
	"github.com/gopssh/pssh/internal/proxycmd"
	"github.com/gopssh/pssh/internal/sshauth"
	"github.com/gopssh/pssh/internal/sshconfig"
	"golang.org/x/crypto/ssh"
)

// Host resolution: how New turns each host-list entry into what the dial
// path needs to reach and authenticate it. Precedence, highest first: the
// entry itself ([user@]host[:port]), its HostConfig, the Config fields the
// caller set, ssh_config, the defaults.

// loadSSHConfig reads the ssh_config files cfg asks for; nil when it asks
// for none.
func loadSSHConfig(cfg *Config) (*sshconfig.Config, error) {
	if cfg.IgnoreSSHConfig {
		return nil, nil
	}
	opt := sshconfig.Options{UserFile: cfg.SSHConfigFile}
	if opt.UserFile == "" {
		home, _ := os.UserHomeDir()
		opt.UserFile, opt.SystemFile = sshconfig.DefaultFiles(home)
		opt.IgnoreMissing = true
	}
	sc, err := sshconfig.Load(opt)
	if err != nil {
		return nil, fmt.Errorf("pssh: %w", sshConfigError("", err))
	}
	return sc, nil
}

// sshConfigError is the *SSHConfigError of err, an error of package
// sshconfig, met resolving host ("" while loading).
func sshConfigError(host string, err error) *SSHConfigError {
	e := &SSHConfigError{Host: host, Err: err}
	var se *sshconfig.Error
	if errors.As(err, &se) {
		e.File, e.Line, e.Err = se.File, se.Line, se.Err
	}
	return e
}

// host is one entry of the host list with its resolved settings and its
// connection.
type host struct {
	index int
	label string // HostOutput.Label (setLabels)
	name  string // as given in the host list
	alias string
	user  string
	addr  string // host:port to dial
	auth  *sshauth.Set

	connectTimeout    time.Duration // TCP connect and banner; also each session request
	handshakeTimeout  time.Duration // key exchange and authentication
	keepaliveInterval time.Duration // negative: none
	keepaliveCountMax int
	hostKeyCallback   ssh.HostKeyCallback
	known             *knownhosts.DB // nil when Config.HostKeyCallback replaces it
	algos             algorithms     // offered in the handshake

	hops         []*host // jump hosts to go through, in order
	proxyCommand string  // tokens expanded
	forwardAgent bool

	// ssh_config's ProxyJump and ProxyCommand, used when neither Config
	// nor HostConfig sets a route.
	sshProxyJump    string
	sshProxyCommand string
	// The settings ssh_config gave the host (nil when it is ignored), and
	// what the dial path takes from them: see sshconfig_apply.go.
	sshSettings *sshconfig.Settings
	// hostKeyAlias is the name known_hosts is searched for instead of the
	// host and port (ssh_config's HostKeyAlias); "" for none.
	hostKeyAlias string

	// credentials identifies where h goes and as whom (see
	// Client.credentials): a control master serves h only to a client
	// whose credentials for it are the same.
	credentials string

	conn conn
}

// expandHosts expands the host ranges of the host list (see New); each
// entry's HostConfig, if any, goes to every host it expands to. The
// configs returned are parallel to the hosts, zero when none were given.
func expandHosts(entries []string, configs []HostConfig) ([]string, []HostConfig, error) {
	hosts := make([]string, 0, len(entries))
	hcs := make([]HostConfig, 0, len(entries))
	for i, e := range entries {
		got := []string{e}
		if strings.Contains(e, "[") {
			var err error
			if got, err = hostlist.Expand(e); err != nil {
				return nil, nil, fmt.Errorf("pssh: host #%d: %w", i, err)
			}
		}
		var hc HostConfig
		if configs != nil {
			hc = configs[i]
		}
		for _, h := range got {
			hosts = append(hosts, h)
			hcs = append(hcs, hc)
		}
	}
	return hosts, hcs, nil
}

// newHost resolves the i-th host of the (expanded) host list.
func (c *Client) newHost(i int, entry string, hc HostConfig) (*host, error) {
	spec, err := hostspec.Parse(entry)
	if err != nil {
		return nil, fmt.Errorf("pssh: host #%d: %w", i, err)
	}
	h := &host{index: i, name: entry, alias: hc.Alias}
	if err := c.resolve(h, spec, hc); err != nil {
		return nil, fmt.Errorf("pssh: host #%d (%s): %w", i, entry, err)
	}
	h.forwardAgent = c.cfg.ForwardAgent || hc.ForwardAgent
	if err := c.setRoute(h, hc); err != nil {
		return nil, fmt.Errorf("pssh: host #%d (%s): %w", i, entry, err)
	}
	h.credentials = c.credentials(h)
	return h, nil
}

// resolve fills in h's settings from the host entry, its HostConfig, the
// Config fields the caller set (c.explicit), ssh_config and the defaults,
// in that order of precedence.
func (c *Client) resolve(h *host, spec hostspec.Spec, hc HostConfig) error {
	ex := &c.explicit
	user := firstNonEmpty(spec.User, hc.User, ex.User)
	port := firstNonZero(spec.Port, hc.Port, ex.Port)
	target := firstNonEmpty(hc.HostName, spec.Host)
	var s *sshconfig.Settings
	if c.sshConfig != nil {
		// Looked up by the name ssh would be given: HostConfig.HostName
		// (an inventory's ansible_host) when set, as Ansible runs ssh.
		rs, err := c.sshConfig.ResolveWith(target, c.sshOverride(user, port, hc))
		if err != nil {
			return sshConfigError(h.name, err)
		}
		s = &rs
	}
	if s != nil {
		user, port = s.User, s.Port
		if s.HostName != "" {
			target = s.HostName // HostName, canonicalized
		}
		h.sshProxyJump, h.sshProxyCommand = s.ProxyJump, s.ProxyCommand
		c.applySSHConfig(h, s)
	}
	h.user = firstNonEmpty(user, c.cfg.User)
	h.addr = hostspec.Addr(target, firstNonZero(port, c.cfg.Port))

	h.connectTimeout = ex.ConnectTimeout
	if h.connectTimeout == 0 && s != nil && s.ConnectTimeout > 0 {
		h.connectTimeout = s.ConnectTimeout
	}
	if h.connectTimeout == 0 {
		h.connectTimeout = DefaultConnectTimeout
	}
	h.handshakeTimeout = cmp.Or(ex.HandshakeTimeout, DefaultHandshakeTimeout)
	h.keepaliveInterval = ex.KeepaliveInterval
	if h.keepaliveInterval == 0 && s != nil && s.Has("ServerAliveInterval") {
		h.keepaliveInterval = s.ServerAliveInterval
		if h.keepaliveInterval == 0 {
			h.keepaliveInterval = -1 // "ServerAliveInterval 0" disables them
		}
	}
	if h.keepaliveInterval == 0 {
		h.keepaliveInterval = DefaultKeepaliveInterval
	}
	h.keepaliveCountMax = ex.KeepaliveCountMax
	if h.keepaliveCountMax <= 0 && s != nil && s.ServerAliveCountMax > 0 {
		h.keepaliveCountMax = s.ServerAliveCountMax
	}
	if h.keepaliveCountMax <= 0 {
		h.keepaliveCountMax = DefaultKeepaliveCountMax
	}

	var err error
	if h.algos, err = c.hostAlgorithms(s); err != nil {
		return err
	}
	if err := c.resolveHostKeys(h, s); err != nil {
		return err
	}
	return c.resolveAuth(h, hc, s)
}

// resolveHostKeys sets h's host key check: Config.HostKeyCallback, else
// known_hosts under the policy and files of Config, else of ssh_config.
func (c *Client) resolveHostKeys(h *host, s *sshconfig.Settings) error {
	ex := &c.explicit
	if ex.HostKeyCallback != nil {
		h.hostKeyCallback = ex.HostKeyCallback
		return nil
	}
	policy := ex.HostKeyPolicy
	if policy == HostKeyStrict && s != nil && s.Has("StrictHostKeyChecking") {
		if s.StrictHostKeyChecking == "ask" {
			// pssh does not prompt: like ssh in batch mode, refuse.
			policy = HostKeyStrict
		} else {
			p, err := ParseHostKeyPolicy(s.StrictHostKeyChecking)
			if err != nil {
				return fmt.Errorf("ssh_config: StrictHostKeyChecking: %w", err)
			}
			policy = p
		}
	}
	files := ex.KnownHostsFiles
	if len(files) == 0 {
		// As OpenSSH: the user files, then the global ones, ssh_config's
		// UserKnownHostsFile and GlobalKnownHostsFile replacing each its
		// own half of the defaults.
		user, global := DefaultKnownHostsFiles()
		if s != nil && len(s.UserKnownHostsFiles) > 0 {
			user = s.UserKnownHostsFiles
		}
		if s != nil && len(s.GlobalKnownHostsFiles) > 0 {
			global = s.GlobalKnownHostsFiles
		}
		files = append(slices.Clone(user), global...)
	}
	files = slices.DeleteFunc(slices.Clone(files), func(f string) bool { return f == "none" })
	key := fmt.Sprintf("%d\x00%s", policy, strings.Join(files, "\x00"))
	db, ok := c.knownDBs[key]
	if !ok {
		var err error
		if db, err = c.openKnownHosts(files, policy); err != nil {
			return err
		}
		c.knownDBs[key] = db
		c.credIDs[db] = key
	}
	h.known = db
	h.hostKeyCallback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
		return db.Check(h.knownTarget(), key)
	}
	return nil
}

// knownTarget is what known_hosts is searched for: h's address, or its
// HostKeyAlias.
func (h *host) knownTarget() knownhosts.Target {
	return knownhosts.Target{Addr: h.addr, Alias: h.hostKeyAlias}
}

// DefaultKnownHostsFiles returns the known_hosts files read when
// Config.KnownHostsFiles is not set, as OpenSSH's defaults: the user's
// (~/.ssh/known_hosts and ~/.ssh/known_hosts2, none without a home
// directory) and the global ones (/etc/ssh/ssh_known_hosts and
// /etc/ssh/ssh_known_hosts2). Those missing are empty.
func DefaultKnownHostsFiles() (user, global []string) {
	if home, err := os.UserHomeDir(); err == nil {
		user = []string{filepath.Join(home, ".ssh", "known_hosts"), filepath.Join(home, ".ssh", "known_hosts2")}
	}
	return user, []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
}

// openKnownHosts opens the known_hosts files under policy, reading those
// the client has not read yet.
func (c *Client) openKnownHosts(files []string, hostKeyPolicy HostKeyPolicy) (*knownhosts.DB, error) {
	var policy knownhosts.Policy
	switch hostKeyPolicy {
	case HostKeyStrict:
		policy = knownhosts.Strict
	case HostKeyAcceptNew:
		policy = knownhosts.AcceptNew
	case HostKeyInsecureIgnore:
		policy = knownhosts.Insecure
	default:
		return nil, fmt.Errorf("pssh: unknown HostKeyPolicy %d", int(hostKeyPolicy))
	}
	db, err := knownhosts.Open(knownhosts.Options{Files: files, Policy: policy, Hash: c.explicit.HashKnownHosts, Store: c.knownFiles})
	if err != nil {
		return nil, fmt.Errorf("pssh: %w (no known_hosts file: without a home directory, set Config.KnownHostsFiles)", err)
	}
	return db, nil
}

// resolveAuth sets h's credentials. Hosts with the same credentials share
// one sshauth.Set, and every Set of an agent socket shares its connection
// and parsed keys.
func (c *Client) resolveAuth(h *host, hc HostConfig, s *sshconfig.Settings) error {
	ex := &c.explicit
	password, keyFile, key, passphrase, certFile := ex.Password, ex.KeyFile, ex.Key, ex.Passphrase, ex.CertFile
	if hc.Password != "" {
		password = hc.Password
	}
	if hc.KeyFile != "" || len(hc.Key) > 0 {
		keyFile, key, certFile = hc.KeyFile, hc.Key, "" // the client's certificate is for the client's key
	}
	// A zero field keeps the client's value: a host's key may be
	// encrypted with the client-wide passphrase.
	if len(hc.Passphrase) > 0 {
		passphrase = hc.Passphrase
	}
	opt := authOptions(&c.cfg, password, keyFile, key, passphrase, certFile)
	if s != nil {
		if keyFile == "" && len(key) == 0 {
			opt.Keys = append(opt.Keys, sshConfigKeys(s, passphrase)...)
		}
		if opt.Agent {
			switch {
			case s.IdentitiesOnly, s.IdentityAgent == "none":
				opt.Agent = false
			case opt.AgentSocket == "":
				opt.AgentSocket = identityAgent(s.IdentityAgent)
			}
		}
	}
	set, err := c.authSet(opt)
	if err != nil {
		return err
	}
	h.auth = set
	return nil
}

func authOptions(cfg *Config, password, keyFile string, key, passphrase []byte, certFile string) sshauth.Options {
	opt := sshauth.Options{
		Password:    password,
		DefaultKeys: !cfg.NoDefaultKeys,
		Passphrase:  passphrase,
		Agent:       !cfg.NoAgent,
		AgentSocket: cfg.AgentSocket,
	}
	if keyFile != "" {
		opt.Keys = append(opt.Keys, sshauth.Key{Path: keyFile, Passphrase: passphrase, CertPath: certFile})
	}
	if len(key) > 0 {
		k := sshauth.Key{PEM: key, Passphrase: passphrase}
		if keyFile == "" {
			k.CertPath = certFile
		}
		opt.Keys = append(opt.Keys, k)
	}
	return opt
}

// authSet returns the Set for opt, making it once.
func (c *Client) authSet(opt sshauth.Options) (*sshauth.Set, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %t %t %q", opt.Password, opt.Passphrase, opt.DefaultKeys, opt.Agent, opt.AgentSocket)
	for _, k := range opt.Keys {
		fmt.Fprintf(&b, " %q %q %q %t", k.Path, k.PEM, k.Passphrase, k.Optional)
	}
	key := b.String()
	if set, ok := c.authSets[key]; ok {
		return set, nil
	}
	root, ok := c.agents[opt.AgentSocket]
	if !ok {
		var err error
		if root, err = sshauth.New(sshauth.Options{AgentSocket: opt.AgentSocket}); err != nil {
			return nil, err
		}
		c.agents[opt.AgentSocket] = root
	}
	set, err := root.Derive(opt)
	if err != nil {
		return nil, err
	}
	c.authSets[key] = set
	c.credIDs[set] = key
	return set, nil
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
		h, err := c.newHop(proxy.User, proxy.Host, proxy.Port)
		if err != nil {
			return route{}, err
		}
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
		return route{hops: []*host{h}}, nil
	case proxyJump != "" && proxyJump != "none":
		var r route
		for _, s := range strings.Split(proxyJump, ",") {
			spec, err := hostspec.Parse(strings.TrimPrefix(strings.TrimSpace(s), "ssh://"))
			if err != nil {
				return route{}, fmt.Errorf("ProxyJump %q: %w", proxyJump, err)
			}
			h, err := c.newHop(spec.User, spec.Host, spec.Port)
			if err != nil {
				return route{}, err
			}
			r.hops = append(r.hops, h)
		}
		return c.firstHopRoute(r)
	}
	return route{}, nil
}

// newHop returns a jump host, "user@host:port": the client's user, port 22
// and credentials unless given, the client-wide connection settings and
// host key check.
func (c *Client) newHop(user, hostName string, port int) (*host, error) {
	s, err := c.hopSettings(user, hostName, port)
	if err != nil {
		return nil, err
	}
	h := &host{user: firstNonEmpty(user, c.cfg.User), auth: c.auth}
	target := hostName
	if s != nil {
		// ssh_config's settings for the hop, as ssh -J looks them up.
		h.user, target, port = s.User, s.HostName, s.Port
		c.applySSHConfig(h, s)
	}
	h.addr = hostspec.Addr(target, cmp.Or(port, DefaultPort))
	h.name = h.user + "@" + h.addr
	h.connectTimeout = cmp.Or(c.explicit.ConnectTimeout, DefaultConnectTimeout)
	h.handshakeTimeout = cmp.Or(c.explicit.HandshakeTimeout, DefaultHandshakeTimeout)
	h.keepaliveInterval = cmp.Or(c.explicit.KeepaliveInterval, DefaultKeepaliveInterval)
	h.keepaliveCountMax = cmp.Or(max(c.explicit.KeepaliveCountMax, 0), DefaultKeepaliveCountMax)
	if h.algos, err = c.hostAlgorithms(s); err != nil {
		return nil, fmt.Errorf("jump host %s: %w", hostName, err)
	}
	if err := c.resolveHostKeys(h, s); err != nil {
		return nil, err
	}
	if s != nil && (len(s.IdentityFiles) > 0 || s.IdentityAgent != "" || s.IdentitiesOnly) && c.explicit.KeyFile == "" && len(c.explicit.Key) == 0 {
		if err := c.resolveAuth(h, HostConfig{}, s); err != nil {
			return nil, err
		}
	}
	return h, nil
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstNonZero(v ...int) int {
	for _, n := range v {
		if n != 0 {
			return n
		}
	}
	return 0
}
