package pssh

import (
	"fmt"
	"os"
	"strings"

	"github.com/gopssh/pssh/internal/hostspec"
	"github.com/gopssh/pssh/internal/sshauth"
	"github.com/gopssh/pssh/internal/sshconfig"
)

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
		return nil, fmt.Errorf("pssh: ssh_config: %w (set Config.IgnoreSSHConfig to ignore it)", err)
	}
	return sc, nil
}

// resolve fills in h's settings from the host entry, its HostConfig, the
// Config fields the caller set (c.explicit), ssh_config and the defaults,
// in that order of precedence.
func (c *Client) resolve(h *host, spec hostspec.Spec, hc HostConfig) error {
	ex := &c.explicit
	user := firstNonEmpty(spec.User, hc.User, ex.User)
	port := firstNonZero(spec.Port, hc.Port, ex.Port)
	var s *sshconfig.Settings
	if c.sshConfig != nil {
		rs, err := c.sshConfig.ResolveWith(spec.Host, sshconfig.Override{User: user, Port: port})
		if err != nil {
			return fmt.Errorf("ssh_config: %w", err)
		}
		s = &rs
	}
	target := spec.Host
	if s != nil {
		user, port = s.User, s.Port
		if s.Has("HostName") {
			target = s.HostName
		}
		h.sshProxyJump, h.sshProxyCommand = s.ProxyJump, s.ProxyCommand
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

	if err := c.resolveHostKeys(h, s); err != nil {
		return err
	}
	return c.resolveAuth(h, hc, s)
}

func firstNonZero(v ...int) int {
	for _, n := range v {
		if n != 0 {
			return n
		}
	}
	return 0
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
	ignoreMissing := false
	if len(files) == 0 && s != nil && len(s.UserKnownHostsFiles) > 0 {
		// As OpenSSH: the user files, then the global one, each skipped
		// when missing (the first is created under accept-new).
		files = append(append([]string{}, s.UserKnownHostsFiles...), "/etc/ssh/ssh_known_hosts")
		ignoreMissing = true
	}
	key := fmt.Sprintf("%d\x00%t\x00%s", policy, ignoreMissing, strings.Join(files, "\x00"))
	db, ok := c.knownDBs[key]
	if !ok {
		var err error
		if db, err = openKnownHosts(files, ignoreMissing, policy, ex.HashKnownHosts); err != nil {
			return err
		}
		c.knownDBs[key] = db
	}
	h.known, h.hostKeyCallback = db, db.Check
	return nil
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
			for _, f := range s.IdentityFiles {
				opt.Keys = append(opt.Keys, sshauth.Key{Path: f, Passphrase: passphrase, Optional: true})
			}
		}
		if opt.Agent {
			switch {
			case s.IdentitiesOnly, s.IdentityAgent == "none":
				opt.Agent = false
			case s.IdentityAgent != "" && s.IdentityAgent != "SSH_AUTH_SOCK" && opt.AgentSocket == "":
				opt.AgentSocket = s.IdentityAgent
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
	return set, nil
}
