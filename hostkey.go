package pssh

import (
	"errors"
	"fmt"
	"strings"
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
