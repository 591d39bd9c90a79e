package pssh

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/knownhosts"
)

// HostKeyPolicy says what to do with a host whose key is not in
// known_hosts, as OpenSSH's StrictHostKeyChecking. Under every policy a
// changed key (the host is in known_hosts with other keys) and a key marked
// @revoked are errors.
type HostKeyPolicy int

const (
	// HostKeyStrict, the default, refuses hosts not in known_hosts
	// (StrictHostKeyChecking yes).
	HostKeyStrict HostKeyPolicy = iota
	// HostKeyAcceptNew trusts a new host on first use: its key is appended
	// to the first of Config.KnownHostsFiles (hashed if
	// Config.HashKnownHosts) and checked from then on
	// (StrictHostKeyChecking accept-new).
	HostKeyAcceptNew
	// HostKeyInsecureIgnore accepts any key from a host not in known_hosts,
	// without recording it (StrictHostKeyChecking no). It is insecure: a
	// man in the middle goes unnoticed for every such host. Hosts that are
	// in known_hosts are still checked.
	HostKeyInsecureIgnore
)

// String returns the policy's StrictHostKeyChecking spelling.
func (p HostKeyPolicy) String() string {
	switch p {
	case HostKeyStrict:
		return "yes"
	case HostKeyAcceptNew:
		return "accept-new"
	case HostKeyInsecureIgnore:
		return "no"
	}
	return fmt.Sprintf("HostKeyPolicy(%d)", int(p))
}

// ParseHostKeyPolicy parses OpenSSH's StrictHostKeyChecking values: "yes"
// (or "true"), "accept-new", "no" (or "off", "false"). "ask" is refused: it
// prompts, and pssh does not.
func ParseHostKeyPolicy(s string) (HostKeyPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true":
		return HostKeyStrict, nil
	case "accept-new":
		return HostKeyAcceptNew, nil
	case "no", "off", "false":
		return HostKeyInsecureIgnore, nil
	case "ask":
		return 0, errors.New(`host key policy "ask" prompts for each new host, and pssh is not interactive: use "yes" (add hosts with ssh-keyscan first) or "accept-new"`)
	}
	return 0, fmt.Errorf("unknown host key policy %q (want yes, accept-new or no)", s)
}

// openKnownHosts opens the known_hosts files under policy; no files means
// the default ones.
func openKnownHosts(files []string, ignoreMissing bool, hostKeyPolicy HostKeyPolicy, hash bool) (*knownhosts.DB, error) {
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
	opts := knownhosts.Options{Files: files, IgnoreMissing: ignoreMissing, Policy: policy, Hash: hash}
	if len(opts.Files) == 0 {
		opts.IgnoreMissing = true
		if home, err := os.UserHomeDir(); err == nil {
			opts.Files = append(opts.Files, filepath.Join(home, ".ssh", "known_hosts"))
		} else if policy == knownhosts.AcceptNew {
			return nil, fmt.Errorf("pssh: no home directory for ~/.ssh/known_hosts (set Config.KnownHostsFiles): %w", err)
		}
		opts.Files = append(opts.Files, "/etc/ssh/ssh_known_hosts")
	}
	db, err := knownhosts.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("pssh: reading known_hosts: %w", err)
	}
	return db, nil
}

// hostKeyError makes the public error of a host key rejection.
func hostKeyError(h *host, err error, key ssh.PublicKey) *HostKeyError {
	e := &HostKeyError{Host: h.name, Addr: h.addr, Err: err}
	if key != nil {
		e.KeyType = key.Type()
		e.Fingerprint = knownhosts.Fingerprint(key)
	}
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		e.Unknown, e.Revoked = ke.Unknown, ke.Revoked
		for _, l := range ke.Known {
			e.Known = append(e.Known, l.String())
		}
		e.knownHost = ke.Host
		if len(ke.Known) > 0 {
			e.knownFile = ke.Known[0].File
		}
	}
	return e
}
