package sshconfig

import (
	"strings"
	"time"
)

// Settings are the resolved settings for one host. Has tells whether a
// keyword was set by the files (or the Override).
type Settings struct {
	Alias    string // the host as given
	HostName string // after HostName, lowercasing and canonicalization
	User     string // Override.User, else User, else the local user
	Port     int    // Override.Port, else Port, else 22

	IdentityFiles    []string // expanded; "none" dropped
	CertificateFiles []string // expanded
	IdentitiesOnly   bool
	IdentityAgent    string // a socket path, "none" or "SSH_AUTH_SOCK"; "" when not set
	ProxyJump        string // "" when not set or "none"
	ProxyCommand     string // unexpanded; "" when not set or "none"
	HostKeyAlias     string // lowercased; "" when not set

	ConnectTimeout      time.Duration
	ServerAliveInterval time.Duration
	ServerAliveCountMax int
	// StrictHostKeyChecking is the value as written, lowercased: yes, no,
	// ask, accept-new, off or true/false.
	StrictHostKeyChecking string
	UserKnownHostsFiles   []string // expanded
	GlobalKnownHostsFiles []string // expanded

	// KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs are the lists as
	// written, '+', '-' or '^' first included, for
	// sshalgo.ResolveSSHConfig; nil when not set.
	KexAlgorithms     []string
	HostKeyAlgorithms []string
	Ciphers           []string
	MACs              []string

	Tag string

	set  map[string]bool
	dump []Line
}

// Has reports whether keyword (case-insensitive) was set for the host.
func (s *Settings) Has(keyword string) bool { return s.set[lower(keyword)] }

// settings turns the values found into Settings.
func (r *resolver) settings() (Settings, error) {
	s := Settings{Alias: r.alias, HostName: r.hostName, User: r.user(), Port: r.port(), set: map[string]bool{}}
	for k := range r.first {
		s.set[k] = true
	}
	for k := range r.multi {
		s.set[k] = true
	}
	var err error
	for _, v := range r.multi["identityfile"] {
		if strings.EqualFold(v.value, "none") {
			continue
		}
		p, err := r.expandPath(v.value)
		if err != nil {
			return s, r.errorf(v, "IdentityFile: %v", err)
		}
		s.IdentityFiles = append(s.IdentityFiles, p)
	}
	for _, v := range r.multi["certificatefile"] {
		p, err := r.expandPath(v.value)
		if err != nil {
			return s, r.errorf(v, "CertificateFile: %v", err)
		}
		s.CertificateFiles = append(s.CertificateFiles, p)
	}
	if v, ok := r.first["identitiesonly"]; ok {
		s.IdentitiesOnly, _ = parseYesNo(v.value)
	}
	if v, ok := r.first["identityagent"]; ok {
		switch {
		case strings.EqualFold(v.value, "none"):
			s.IdentityAgent = "none"
		case v.value == "SSH_AUTH_SOCK":
			s.IdentityAgent = v.value
		case strings.HasPrefix(v.value, "$") && !strings.HasPrefix(v.value, "${"):
			// "$NAME": the socket is in that variable.
			s.IdentityAgent = v.value
		default:
			if s.IdentityAgent, err = r.expandPath(v.value); err != nil {
				return s, r.errorf(v, "IdentityAgent: %v", err)
			}
		}
	}
	if v := r.value("proxyjump"); !strings.EqualFold(v, "none") {
		s.ProxyJump = v
	}
	if v := r.value("proxycommand"); !strings.EqualFold(v, "none") {
		s.ProxyCommand = v
	}
	s.HostKeyAlias = lower(r.value("hostkeyalias"))
	if v, ok := r.first["connecttimeout"]; ok {
		s.ConnectTimeout, _ = parseTime(v.value)
	}
	if v, ok := r.first["serveraliveinterval"]; ok {
		s.ServerAliveInterval, _ = parseTime(v.value)
	}
	s.ServerAliveCountMax = 3
	if v, ok := r.first["serveralivecountmax"]; ok {
		s.ServerAliveCountMax, _ = parseCount(v.value)
	}
	s.StrictHostKeyChecking = lower(r.value("stricthostkeychecking"))
	for _, k := range []struct {
		key string
		dst *[]string
	}{{"userknownhostsfile", &s.UserKnownHostsFiles}, {"globalknownhostsfile", &s.GlobalKnownHostsFiles}} {
		v, ok := r.first[k.key]
		if !ok {
			continue
		}
		for _, a := range v.args {
			p, err := r.expandPath(a)
			if err != nil {
				return s, r.errorf(v, "%s: %v", keywords[k.key].name, err)
			}
			*k.dst = append(*k.dst, p)
		}
	}
	for _, k := range []struct {
		key string
		dst *[]string
	}{
		{"kexalgorithms", &s.KexAlgorithms}, {"hostkeyalgorithms", &s.HostKeyAlgorithms},
		{"ciphers", &s.Ciphers}, {"macs", &s.MACs},
	} {
		if v, ok := r.first[k.key]; ok {
			*k.dst = []string{v.value}
		}
	}
	s.Tag = r.value("tag")
	s.dump, err = r.dump(&s)
	return s, err
}
