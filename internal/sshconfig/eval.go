package sshconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// Resolving one host: the files are read in order, each keyword keeping the
// first value found in a block that applies; then the host name is
// canonicalized, and the files read again (the final pass) when
// canonicalization is on or a Match line asked for it.

// Override holds what the caller gives on the command line, as ssh's -l,
// -p and -J: it wins over the files and is what %r and %p expand to.
type Override struct {
	User string
	Port int
	// ProxyJump and ProxyCommand, when set, are taken before the files:
	// the files' ProxyJump and ProxyCommand then do not apply.
	ProxyJump    string
	ProxyCommand string
}

// raw is a keyword value as found, with its place.
type raw struct {
	value string
	args  []string
	file  string
	line  int
}

// resolver holds the state of one host's resolution.
type resolver struct {
	c     *Config
	alias string
	first map[string]raw   // the first value of each keyword
	multi map[string][]raw // IdentityFile and CertificateFile values

	final     bool   // in the final pass
	wantFinal bool   // a Match line named "final"
	hostName  string // the host name once the first pass is over
	inExec    bool   // expanding a Match exec command: %k is the host name
	included  int    // files read through Include, for maxIncluded
}

// maxIncluded bounds the files Include reads for one host: files that
// include themselves twice would otherwise be read 2^16 times.
const maxIncluded = 4096

// Resolve returns the settings for alias.
func (c *Config) Resolve(alias string) (Settings, error) {
	return c.ResolveWith(alias, Override{})
}

// ResolveWith returns the settings for alias with the caller's overrides.
func (c *Config) ResolveWith(alias string, o Override) (Settings, error) {
	r := &resolver{c: c, alias: alias, first: map[string]raw{}, multi: map[string][]raw{}}
	cmdline := func(key, v string) {
		if v != "" {
			r.first[key] = raw{value: v, args: []string{v}, file: "command line"}
		}
	}
	cmdline("user", o.User)
	if o.Port != 0 {
		cmdline("port", strconv.Itoa(o.Port))
	}
	cmdline("proxyjump", o.ProxyJump)
	cmdline("proxycommand", o.ProxyCommand)
	if err := r.pass(); err != nil {
		return Settings{}, err
	}
	host := r.alias
	if v, ok := r.first["hostname"]; ok {
		if err := checkTokens(v.value, tokensHostName); err != nil {
			return Settings{}, r.errorf(v, "HostName: %v", err)
		}
		host = expandHostName(v.value, r.alias)
	}
	if a, ok := parseAddr(host); ok {
		host = a
	} else {
		host = lower(host)
	}
	canon, err := r.canonicalize(host)
	if err != nil {
		return Settings{}, err
	}
	r.hostName = canon
	if r.wantFinal || r.canonicalizeMode() != "no" {
		r.final = true
		if err := r.pass(); err != nil {
			return Settings{}, err
		}
	}
	return r.settings()
}

// pass reads every file once.
func (r *resolver) pass() error {
	for _, f := range r.c.files {
		if err := r.file(f, true, false, 0); err != nil {
			return err
		}
	}
	return nil
}

// file reads f, whose lines before its first Host or Match apply when
// active; never (a file included from a block that does not apply) makes
// every block of it not apply.
func (r *resolver) file(f *file, active, never bool, depth int) error {
	for _, l := range f.lines {
		switch l.key {
		case "host":
			target := r.alias
			if r.final {
				target = r.hostName
			}
			active = !never && matchHostLine(l.args, target)
		case "match":
			if never {
				for _, c := range l.crit {
					if c.name == "final" {
						r.wantFinal = true
					}
				}
				active = false
				continue
			}
			ok, err := r.matchLine(f, l)
			if err != nil {
				return &Error{File: f.name, Line: l.num, Err: err}
			}
			active = ok
		case "include":
			if !active {
				continue // OpenSSH only checks such files
			}
			if err := r.include(f, l, depth); err != nil {
				return err
			}
		default:
			if _, known := keywords[l.key]; !known {
				if v, ok := r.first["ignoreunknown"]; !ok || !matchList(l.key, lower(v.value)) {
					return &Error{File: f.name, Line: l.num, Err: fmt.Errorf("Bad configuration option: %s", l.key)}
				}
				continue
			}
			if active {
				r.set(f, l)
			}
		}
	}
	return nil
}

// include reads the files an Include line names.
func (r *resolver) include(f *file, l *line, depth int) error {
	if depth >= maxDepth {
		return &Error{File: f.name, Line: l.num, Err: fmt.Errorf("Include nested more than %d deep", maxDepth)}
	}
	for _, arg := range l.args {
		paths, err := r.includePaths(f, l, arg)
		if err != nil {
			return &Error{File: f.name, Line: l.num, Err: fmt.Errorf("Include: %w", err)}
		}
		for _, p := range paths {
			if r.included++; r.included > maxIncluded {
				return &Error{File: f.name, Line: l.num, Err: fmt.Errorf("Include: more than %d files read for one host", maxIncluded)}
			}
			inc, err := r.c.parse(p, f.system, depth+1)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					err = &Error{File: f.name, Line: l.num, Err: fmt.Errorf("Include: %w", err)}
				}
				return err
			}
			if err := r.file(inc, true, false, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// set records the value of a keyword line of a block that applies.
func (r *resolver) set(f *file, l *line) {
	switch keywords[l.key].kind {
	case deprecated:
		return
	case notApplied:
		r.c.note(f, l)
		return
	}
	v := raw{value: l.value(), args: l.args, file: f.name, line: l.num}
	switch l.key {
	case "identityfile", "certificatefile":
		r.multi[l.key] = append(r.multi[l.key], v)
		return
	case "proxyjump":
		// Whichever of the two comes first wins; "ProxyJump none" leaves
		// room for a ProxyCommand.
		if r.has("proxyjump") || r.has("proxycommand") {
			return
		}
	case "proxycommand":
		if j, ok := r.first["proxyjump"]; ok && !strings.EqualFold(j.value, "none") {
			return
		}
	case "hostname":
		if r.final {
			return // the host name is settled before the final pass
		}
	}
	if !r.has(l.key) {
		r.first[l.key] = v
	}
}

func (r *resolver) has(key string) bool {
	_, ok := r.first[key]
	return ok
}

// value is the first value of a keyword, "" when not set.
func (r *resolver) value(key string) string { return r.first[key].value }

// user is the remote user as known so far.
func (r *resolver) user() string {
	if v, ok := r.first["user"]; ok {
		return v.value
	}
	return r.c.opt.LocalUser
}

// port is the port as known so far.
func (r *resolver) port() int {
	if p, err := strconv.Atoi(r.value("port")); err == nil {
		return p
	}
	return 22
}

func (r *resolver) errorf(v raw, format string, a ...any) error {
	return &Error{File: v.file, Line: v.line, Err: fmt.Errorf(format, a...)}
}

// canonicalizeMode is CanonicalizeHostname: no, yes or always.
func (r *resolver) canonicalizeMode() string {
	switch lower(r.value("canonicalizehostname")) {
	case "yes", "true":
		return "yes"
	case "always":
		return "always"
	}
	return "no"
}

// direct reports whether the host is reached without ProxyJump or
// ProxyCommand.
func (r *resolver) direct() bool {
	for _, k := range []string{"proxyjump", "proxycommand"} {
		if v, ok := r.first[k]; ok && !strings.EqualFold(v.value, "none") {
			return false
		}
	}
	return true
}
