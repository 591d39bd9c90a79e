package sshconfig

import (
	"fmt"
	"slices"
	"strings"
)

// Algorithm lists (Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms,
// PubkeyAcceptedAlgorithms) with OpenSSH's syntax: a list replaces the
// default; "+list" appends to it, "-list" removes from it the algorithms
// matching its patterns, "^list" puts the list at its head. Names are
// checked against the algorithms OpenSSH knows (an unknown name is an
// error, as in OpenSSH); HostKeyAlgorithms and PubkeyAcceptedAlgorithms
// take wildcards, expanded in the order of that list.

// knownAlgorithms are the names OpenSSH's client knows, in its order (ssh
// -Q), including those it no longer offers by default.
var knownAlgorithms = map[string][]string{
	"ciphers": strings.Split("3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,"+
		"aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com", ","),
	"kexalgorithms": strings.Split("diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,"+
		"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,"+
		"diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"+
		"curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"+
		"mlkem768x25519-sha256,mlkem768nistp256-sha256,mlkem1024nistp384-sha384", ","),
	"macs": strings.Split("hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,"+
		"umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,"+
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,"+
		"hmac-md5-96-etm@openssh.com,umac-64-etm@openssh.com,umac-128-etm@openssh.com", ","),
	"hostkeyalgorithms":        keyTypes,
	"pubkeyacceptedalgorithms": keyTypes,
}

var keyTypes = strings.Split("ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,"+
	"sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,"+
	"ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,"+
	"ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,"+
	"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,"+
	"ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,"+
	"rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com", ",")

// defaultAlgorithms are OpenSSH's defaults (9.2), used when
// Options.Algorithms does not give a keyword's.
var defaultAlgorithms = map[string][]string{
	"ciphers": strings.Split("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com", ","),
	"kexalgorithms": strings.Split("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"+
		"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"+
		"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"+
		"diffie-hellman-group14-sha256", ","),
	"macs": strings.Split("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"+
		"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,"+
		"hmac-sha2-256,hmac-sha2-512,hmac-sha1", ","),
	"hostkeyalgorithms":        defaultKeyTypes,
	"pubkeyacceptedalgorithms": defaultKeyTypes,
}

var defaultKeyTypes = strings.Split("ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"+
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"+
	"sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"+
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,"+
	"ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,"+
	"rsa-sha2-512,rsa-sha2-256", ",")

// wildcards reports whether a keyword's lists may hold patterns.
func wildcards(key string) bool {
	return key == "hostkeyalgorithms" || key == "pubkeyacceptedalgorithms"
}

// checkAlgorithms checks a list as OpenSSH does when reading the file.
func checkAlgorithms(key, v string) error {
	if strings.HasPrefix(v, "-") {
		return nil // names that match nothing remove nothing
	}
	list := strings.TrimLeft(v, "+^")
	if strings.Trim(list, ",") == "" {
		return fmt.Errorf("Bad %s spec '%s'", keywords[key].name, v)
	}
	known := knownAlgorithms[key]
	for _, a := range strings.Split(list, ",") {
		if a == "" {
			continue
		}
		ok := slices.Contains(known, a)
		if !ok && wildcards(key) && strings.ContainsAny(a, "*?") {
			ok = slices.ContainsFunc(known, func(k string) bool { return matchPattern(k, a) })
		}
		if !ok {
			return fmt.Errorf("Bad %s spec '%s'", keywords[key].name, v)
		}
	}
	return nil
}

// algorithms resolves a list against the defaults.
func algorithms(key, v string, defaults []string) []string {
	known := knownAlgorithms[key]
	expand := func(list string) []string {
		var out []string
		for _, a := range strings.Split(list, ",") {
			if a == "" {
				continue
			}
			if wildcards(key) && strings.ContainsAny(a, "*?") {
				for _, k := range known {
					if matchPattern(k, a) && !slices.Contains(out, k) {
						out = append(out, k)
					}
				}
			} else if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	}
	switch {
	case strings.HasPrefix(v, "+"):
		out := slices.Clone(defaults)
		for _, a := range expand(v[1:]) {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	case strings.HasPrefix(v, "-"):
		pats := strings.Split(v[1:], ",")
		return slices.DeleteFunc(slices.Clone(defaults), func(a string) bool {
			return slices.ContainsFunc(pats, func(p string) bool { return p != "" && matchPattern(a, p) })
		})
	case strings.HasPrefix(v, "^"):
		head := expand(v[1:])
		return append(head, slices.DeleteFunc(slices.Clone(defaults), func(a string) bool { return slices.Contains(head, a) })...)
	}
	return expand(v)
}
