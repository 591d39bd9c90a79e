// Package psshtest configures clients of package pssh for the in-process SSH
// servers of package sshtest, as httptest.Server.Client does for HTTP: the
// configuration logs in to the servers and trusts them, and uses nothing of
// the user's own SSH setup.
//
//	func TestUptime(t *testing.T) {
//		fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
//		client, err := pssh.New(fleet.Addrs(), psshtest.FleetClientConfig(fleet))
//		if err != nil {
//			t.Fatal(err)
//		}
//		defer client.Close()
//		// ... client.Run(ctx, "uptime", nil) ...
//	}
package psshtest

// This is a package apart from sshtest because sshtest cannot import pssh:
// the in-package tests of pssh's internal packages import sshtest, and pssh
// imports those packages.

import (
	"bytes"
	"fmt"
	"net"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// User is the user name the configurations log in as. The servers accept any
// user name with their client key; commands run as the test process's user,
// whatever the name.
const User = "sshtest"

// ClientConfig returns a new configuration for a pssh client of the server
// s: pass it to pssh.New with the host list []string{s.Addr}.
//
// It logs in as [User] with the server's client key (s.ClientKey()), accepts
// the server's host keys (s.HostKeys()) and no other, and uses none of the
// user's own SSH setup: no ~/.ssh/config (IgnoreSSHConfig), no agent
// (NoAgent), no ~/.ssh/id_* (NoDefaultKeys) and no known_hosts (the
// HostKeyCallback). The caller may change the Config; each call returns a
// new one.
func ClientConfig(s *sshtest.Server) *pssh.Config {
	cfg := baseConfig(s.ClientKey())
	keys := s.HostKeys()
	cfg.HostKeyCallback = func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		if !contains(keys, key) {
			return fmt.Errorf("psshtest: host key mismatch for %s: not a host key of the sshtest server %s", hostname, s.Addr)
		}
		return nil
	}
	return cfg
}

// FleetClientConfig returns a new configuration for a pssh client of the
// servers of f: pass it to pssh.New with the host list f.Addrs().
//
// As [ClientConfig], it logs in as [User] with the servers' client key and
// uses none of the user's own SSH setup. It accepts each server's host keys
// for that server's address only, looked up as f.HostKeyCallback() does by
// the host name dialled, or else by the remote address. When the servers do
// not share one client key (some were given their own through
// sshtest.NewFleetFunc), HostConfig gives each host its key, and so is
// parallel to f.Addrs(). The caller may change the Config; each call
// returns a new one.
func FleetClientConfig(f *sshtest.Fleet) *pssh.Config {
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
			return fmt.Errorf("psshtest: %s is not a server of this sshtest fleet", hostname)
		}
		if !contains(want, key) {
			return fmt.Errorf("psshtest: host key mismatch for %s", hostname)
		}
		return nil
	}
	return cfg
}

// sharedClientKey reports whether all the servers of f have the same client
// key.
func sharedClientKey(f *sshtest.Fleet) bool {
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
func baseConfig(key *sshtest.Key) *pssh.Config {
	cfg := &pssh.Config{
		User:            User,
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
func contains(keys []ssh.PublicKey, key ssh.PublicKey) bool {
	wire := key.Marshal()
	return slices.ContainsFunc(keys, func(k ssh.PublicKey) bool { return bytes.Equal(k.Marshal(), wire) })
}
