package sshtest

import (
	"bytes"
	"fmt"
	"net"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh"
)

// ClientUser is the user name the client configurations log in as. The servers accept any
// user name with their client key; commands run as the test process's user,
// whatever the name.
const ClientUser = "sshtest"

// ClientConfig returns a new configuration for a pssh client of the server,
// as httptest.Server.Client does for HTTP: pass it to pssh.New with the host
// list []string{s.Addr}.
//
// It logs in as [ClientUser] with the server's client key (s.ClientKey()),
// accepts the server's host keys (s.HostKeys()) and no other, and uses none of the
// user's own SSH setup: no ~/.ssh/config (IgnoreSSHConfig), no agent
// (NoAgent), no ~/.ssh/id_* (NoDefaultKeys) and no known_hosts (the
// HostKeyCallback). The caller may change the Config; each call returns a
// new one.
func (s *Server) ClientConfig() *pssh.Config {
	cfg := baseConfig(s.ClientKey())
	keys := s.HostKeys()
	cfg.HostKeyCallback = func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		if !containsKey(keys, key) {
			return fmt.Errorf("sshtest: host key mismatch for %s: not a host key of the sshtest server %s", hostname, s.Addr)
		}
		return nil
	}
	return cfg
}

// ClientConfig returns a new configuration for a pssh client of the
// fleet's servers: pass it to pssh.New with the host list f.Addrs().
//
// As [Server.ClientConfig], it logs in as [ClientUser] with the servers' client key and
// uses none of the user's own SSH setup. It accepts each server's host keys
// for that server's address only, looked up as f.HostKeyCallback() does by
// the host name dialled, or else by the remote address. When the servers do
// not share one client key (some were given their own through
// NewFleetFunc), HostConfig gives each host its key, and so is
// parallel to f.Addrs(). The caller may change the Config; each call
// returns a new one.
func (f *Fleet) ClientConfig() *pssh.Config {
	cfg := baseConfig(nil)
	if len(f.Servers) > 0 {
		cfg = baseConfig(f.Servers[0].ClientKey())
	}
	if !sharedClientKey(f) {
		cfg.HostConfig = make([]pssh.HostConfig, len(f.Servers))
		for i, s := range f.Servers {
			cfg.HostConfig[i].Key = bytes.Clone(s.ClientKey().PEM)
		}
	}
	keys := make(map[string][]ssh.PublicKey, len(f.Servers))
	for _, s := range f.Servers {
		keys[knownhosts.Normalize(s.Addr)] = s.HostKeys()
	}
	cfg.HostKeyCallback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		want, ok := keys[knownhosts.Normalize(hostname)]
		if !ok && remote != nil {
			want, ok = keys[knownhosts.Normalize(remote.String())]
		}
		if !ok {
			return fmt.Errorf("sshtest: %s is not a server of this sshtest fleet", hostname)
		}
		if !containsKey(want, key) {
			return fmt.Errorf("sshtest: host key mismatch for %s", hostname)
		}
		return nil
	}
	return cfg
}

// sharedClientKey reports whether all the servers of f have the same client
// key.
func sharedClientKey(f *Fleet) bool {
	if len(f.Servers) == 0 {
		return true
	}
	first := f.Servers[0].ClientKey().PublicKey().Marshal()
	for _, s := range f.Servers[1:] {
		if !bytes.Equal(s.ClientKey().PublicKey().Marshal(), first) {
			return false
		}
	}
	return true
}

// baseConfig returns a configuration logging in as User with key (none if
// nil) and ignoring the user's own SSH setup.
func baseConfig(key *Key) *pssh.Config {
	cfg := &pssh.Config{
		User:            ClientUser,
		IgnoreSSHConfig: true,
		NoAgent:         true,
		NoDefaultKeys:   true,
	}
	if key != nil {
		cfg.Key = bytes.Clone(key.PEM)
	}
	return cfg
}

// contains reports whether key is one of keys.
func containsKey(keys []ssh.PublicKey, key ssh.PublicKey) bool {
	wire := key.Marshal()
	return slices.ContainsFunc(keys, func(k ssh.PublicKey) bool { return bytes.Equal(k.Marshal(), wire) })
}
