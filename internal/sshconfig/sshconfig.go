// Package sshconfig reads OpenSSH client configuration files (ssh_config(5))
// and resolves the settings of one host as `ssh -G HOST` does; Dump prints
// them in that command's format.
//
// It follows OpenSSH (the installed ssh -G is the oracle of its tests, see
// testdata/corpus):
//
//   - Lines are split as OpenSSH splits them (quotes, backslashes, '=',
//     comments); a keyword OpenSSH does not know is an error unless
//     IgnoreUnknown lists it, a bad value is an error even in a block that
//     does not apply, and keywords OpenSSH deprecated are ignored. Errors
//     name the file and line.
//   - Blocks are read in order, user file first, then the system file; for
//     each keyword the first value obtained wins, except IdentityFile and
//     CertificateFile, whose values accumulate. Of ProxyJump and
//     ProxyCommand, the first given wins.
//   - "Host" patterns ('*', '?', "!pat") are matched case-sensitively
//     against the host as given, or, in the final pass, the host name.
//   - "Match" takes every criterion of OpenSSH: all, canonical, final, exec,
//     localnetwork, host, originalhost, tagged, user, localuser, each
//     negated with '!', "criterion=argument" too. exec runs its command
//     with $SHELL -c (/bin/sh when unset), tokens expanded; its result is
//     kept per host and command for the life of the Config.
//   - CanonicalizeHostname and its companions, then a final pass over the
//     files when canonicalization is on or a Match line names "final".
//   - "Include" with several paths and globs, '~', ${VAR} and % tokens;
//     relative paths taken from ~/.ssh (user file) or /etc/ssh (system
//     file), at most 16 levels deep; inside a Host or Match block it applies
//     only when that block does.
//   - % tokens and ${VAR} wherever OpenSSH expands them (see tokens.go).
package sshconfig

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
)

// maxDepth is OpenSSH's READCONF_MAX_DEPTH.
const maxDepth = 16

// Options say which files to read, and how to reach what resolution needs
// from the system.
type Options struct {
	// UserFile is read first; relative Include paths in it are taken from
	// HomeDir/.ssh. "" reads none.
	UserFile string
	// SystemFile is read after UserFile; relative Include paths in it are
	// taken from /etc/ssh. "" reads none.
	SystemFile string
	// IgnoreMissing skips a UserFile or SystemFile that does not exist
	// (for the default files); otherwise a missing file is an error.
	IgnoreMissing bool
	// HomeDir is used for '~', %d and relative Include paths; default
	// os.UserHomeDir().
	HomeDir string
	// LocalUser is %u, "Match localuser" and the remote user when none is
	// given; default the current user.
	LocalUser string
	// Resolver looks host names up for CanonicalizeHostname; default the
	// system's resolver.
	Resolver Resolver
	// LocalAddrs lists the addresses of the local interfaces, for "Match
	// localnetwork"; default net.InterfaceAddrs.
	LocalAddrs func() ([]net.Addr, error)
}

// Resolver looks up host names for canonicalization.
type Resolver interface {
	// Lookup reports whether name resolves and, if so, its canonical name
	// (the target of its CNAME chain; name itself when it has none).
	Lookup(ctx context.Context, name string) (canonical string, found bool, err error)
}

// DefaultFiles returns the files OpenSSH reads without -F: ~/.ssh/config
// and /etc/ssh/ssh_config.
func DefaultFiles(home string) (userFile, systemFile string) {
	if home != "" {
		userFile = filepath.Join(home, ".ssh", "config")
	}
	return userFile, "/etc/ssh/ssh_config"
}

// Config is a loaded set of configuration files. It is safe for concurrent
// use.
type Config struct {
	opt   Options
	files []*file // the top-level files, in order

	mu     sync.Mutex
	parsed map[string]*file   // the files read, by path
	execs  map[string]execRes // Match exec results, by host and command
	notes  map[string]bool    // NotApplied's entries, seen
	noted  []string
}

// Error is a problem in a configuration file.
type Error struct {
	File string
	Line int // 0 when not known
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads the files.
func Load(opt Options) (*Config, error) {
	if opt.HomeDir == "" {
		opt.HomeDir, _ = os.UserHomeDir()
	}
	if opt.LocalUser == "" {
		if u, err := user.Current(); err == nil {
			opt.LocalUser = u.Username
		}
	}
	if opt.Resolver == nil {
		opt.Resolver = systemResolver{}
	}
	if opt.LocalAddrs == nil {
		opt.LocalAddrs = net.InterfaceAddrs
	}
	c := &Config{opt: opt, parsed: map[string]*file{}, execs: map[string]execRes{}, notes: map[string]bool{}}
	for _, f := range []struct {
		name   string
		system bool
	}{{opt.UserFile, false}, {opt.SystemFile, true}} {
		if f.name == "" {
			continue
		}
		pf, err := c.parse(f.name, f.system, 0)
		if err != nil {
			if opt.IgnoreMissing && os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		c.files = append(c.files, pf)
	}
	return c, nil
}

// NotApplied returns the keywords pssh does not apply that were set for a
// host resolved so far, once each, as "FILE:LINE: Keyword".
func (c *Config) NotApplied() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.noted...)
}

// note records a keyword that applied to a host and that pssh does not
// apply.
func (c *Config) note(f *file, l *line) {
	k := keywords[l.key].name
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.notes[k] {
		return
	}
	c.notes[k] = true
	c.noted = append(c.noted, fmt.Sprintf("%s:%d: %s", f.name, l.num, k))
}

func lower(s string) string { return strings.ToLower(s) }
