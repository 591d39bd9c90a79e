package sshconfig

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopssh/pssh/internal/sshalgo"
	"github.com/gopssh/pssh/internal/wildcard"
)

// Algorithm lists (Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms,
// PubkeyAcceptedAlgorithms) in OpenSSH's syntax: a list replaces the
// default; "+list" appends to it, "-list" removes from it the algorithms
// matching its patterns, "^list" puts the list at its head. This package
// only checks a list when reading it, as OpenSSH does; Settings keep it as
// written, and package sshalgo resolves it against pssh's defaults (the
// one place the syntax is applied).

// algorithmKinds maps the keywords to sshalgo's kinds
// (PubkeyAcceptedAlgorithms names key types, as HostKeyAlgorithms).
var algorithmKinds = map[string]sshalgo.Kind{
	"kexalgorithms":            sshalgo.KeyExchange,
	"hostkeyalgorithms":        sshalgo.HostKey,
	"pubkeyacceptedalgorithms": sshalgo.HostKey,
	"ciphers":                  sshalgo.Cipher,
	"macs":                     sshalgo.MAC,
}

// wildcards reports whether a keyword's lists may hold patterns (OpenSSH
// takes them in key type lists only).
func wildcards(key string) bool {
	return key == "hostkeyalgorithms" || key == "pubkeyacceptedalgorithms"
}

// checkAlgorithms checks a list as OpenSSH does when reading the file: a
// "-" list may name anything; otherwise every name must be one OpenSSH or
// x/crypto/ssh knows (sshalgo.Names), a pattern only where OpenSSH takes
// patterns and matching at least one name.
func checkAlgorithms(key, v string) error {
	if strings.HasPrefix(v, "-") {
		return nil // names that match nothing remove nothing
	}
	list := strings.TrimLeft(v, "+^")
	if strings.Trim(list, ",") == "" {
		return fmt.Errorf("Bad %s spec '%s'", keywords[key].name, v)
	}
	known := sshalgo.Names(algorithmKinds[key])
	for _, a := range strings.Split(list, ",") {
		if a == "" {
			continue
		}
		ok := slices.Contains(known, a)
		if !ok && wildcards(key) && strings.ContainsAny(a, "*?") {
			ok = slices.ContainsFunc(known, func(k string) bool { return wildcard.Match(k, a) })
		}
		if !ok {
			return fmt.Errorf("Bad %s spec '%s'", keywords[key].name, v)
		}
	}
	return nil
}
