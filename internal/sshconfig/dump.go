package sshconfig

import (
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh/internal/sshalgo"
)

// Line is one setting as `ssh -G` prints it: a lowercased keyword and its
// value.
type Line struct {
	Keyword, Value string
}

// Dump returns the settings of the keywords pssh applies, as `ssh -G`
// prints them: IdentityFile, CertificateFile and GlobalKnownHostsFile as
// written, the other paths expanded; keywords without a default
// (IdentityFile, CertificateFile, IdentityAgent, ProxyJump, ProxyCommand,
// HostKeyAlias, UserKnownHostsFile, GlobalKnownHostsFile, Tag) only when
// set.
func (s *Settings) Dump() []Line {
	return append([]Line(nil), s.dump...)
}

func (r *resolver) dump(s *Settings) ([]Line, error) {
	var out []Line
	add := func(k, v string) { out = append(out, Line{k, v}) }
	add("host", s.Alias)
	add("user", s.User)
	add("hostname", s.HostName)
	add("port", strconv.Itoa(s.Port))
	for _, v := range r.multi["identityfile"] {
		add("identityfile", v.value)
	}
	for _, v := range r.multi["certificatefile"] {
		add("certificatefile", v.value)
	}
	add("identitiesonly", yesNo(s.IdentitiesOnly))
	if s.IdentityAgent != "" {
		add("identityagent", s.IdentityAgent)
	}
	if s.ProxyJump != "" {
		add("proxyjump", s.ProxyJump)
	}
	if s.ProxyCommand != "" {
		add("proxycommand", s.ProxyCommand)
	}
	if s.HostKeyAlias != "" {
		add("hostkeyalias", s.HostKeyAlias)
	}
	if s.Has("connecttimeout") {
		add("connecttimeout", seconds(s.ConnectTimeout))
	} else {
		add("connecttimeout", "none")
	}
	add("serveraliveinterval", seconds(s.ServerAliveInterval))
	add("serveralivecountmax", strconv.Itoa(s.ServerAliveCountMax))
	strict := "ask"
	if s.StrictHostKeyChecking != "" {
		strict, _ = parseStrict(s.StrictHostKeyChecking)
	}
	add("stricthostkeychecking", strict)
	if len(s.UserKnownHostsFiles) > 0 {
		add("userknownhostsfile", strings.Join(s.UserKnownHostsFiles, " "))
	}
	if v, ok := r.first["globalknownhostsfile"]; ok {
		add("globalknownhostsfile", strings.Join(v.args, " "))
	}
	// The algorithm lists as pssh offers them: ssh_config's, resolved by
	// sshalgo against pssh's defaults (the names OpenSSH knows and
	// x/crypto/ssh does not implement left out).
	for _, k := range []struct {
		kind sshalgo.Kind
		spec []string
	}{
		{sshalgo.Cipher, s.Ciphers}, {sshalgo.KeyExchange, s.KexAlgorithms},
		{sshalgo.MAC, s.MACs}, {sshalgo.HostKey, s.HostKeyAlgorithms},
	} {
		list, err := sshalgo.ResolveSSHConfig(k.kind, k.spec)
		if err != nil {
			list = k.spec // New fails on it: show it as written
		}
		add(strings.ToLower(k.kind.Option()), strings.Join(list, ","))
	}
	canon := map[string]string{"no": "false", "yes": "true", "always": "always"}[r.canonicalizeMode()]
	add("canonicalizehostname", canon)
	add("canonicaldomains", listOr(r.first["canonicaldomains"].args, "none"))
	maxDots := "1"
	if v, ok := r.first["canonicalizemaxdots"]; ok {
		maxDots = v.value
	}
	add("canonicalizemaxdots", maxDots)
	fallback := true
	if v, ok := r.first["canonicalizefallbacklocal"]; ok {
		fallback, _ = parseYesNo(v.value)
	}
	add("canonicalizefallbacklocal", yesNo(fallback))
	add("canonicalizepermittedcnames", listOr(r.first["canonicalizepermittedcnames"].args, "none"))
	if s.Tag != "" {
		add("tag", s.Tag)
	}
	return out, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

func listOr(list []string, none string) string {
	if len(list) == 0 {
		return none
	}
	return strings.Join(list, " ")
}
