// Package sshconfig reads OpenSSH client configuration files (ssh_config(5))
// and resolves the settings pssh uses for one host, as `ssh -G HOST` does.
//
// Files are tokenized with github.com/kevinburke/ssh_config (keyword lines,
// quoting, comments, line numbers). The evaluation is this package's own,
// because that library's lookups differ from OpenSSH in ways that matter
// here: its '?' matches zero or one character, it resolves relative Include
// paths against the home directory of the process when parsing, and it
// rejects most Match lines. This package follows OpenSSH:
//
//   - Blocks are read in order, user file first, then the system file; for
//     each keyword the first value obtained wins, except IdentityFile, whose
//     values accumulate.
//   - "Host" patterns are separated by white space, use '*' and '?' (exactly
//     one character), are matched case-sensitively against the host as given
//     (the alias), and a block whose negated pattern ("!pat") matches does not
//     apply, whatever its other patterns.
//   - "Match all", and "Match" with the criteria host (the host name as
//     resolved so far, lowercased), originalhost (the alias), user (the
//     remote user) and localuser, each a comma-separated pattern list.
//   - "Include" with several paths and globs, '~', relative paths taken from
//     ~/.ssh (user file) or /etc/ssh (system file), at most 16 levels deep;
//     inside a Host or Match block it applies only when that block does.
//   - Tokens: HostName takes %h (the alias) and %%. IdentityFile,
//     IdentityAgent and UserKnownHostsFile take '~' at the start, and %%, %C,
//     %d, %h, %i, %j, %k, %L, %l, %n, %p, %r and %u; IdentityAgent also
//     ${VAR}. Other tokens are errors, as in OpenSSH.
//
// Not supported: Match exec, canonical, final, tagged and localnetwork (a
// file using them is an error naming file and line, so that no setting is
// silently lost); CanonicalizeHostname; tokens and environment variables in
// Include paths; HostKeyAlias in %k (the alias is used). Keywords other than
// those in Settings are read but not interpreted. KexAlgorithms,
// HostKeyAlgorithms, Ciphers and MACs are checked with package sshalgo (an
// algorithm neither OpenSSH nor x/crypto/ssh knows is an error naming
// file and line; one only OpenSSH implements is left out).
package sshconfig

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	kssh "github.com/kevinburke/ssh_config"

	"github.com/gopssh/pssh/internal/sshalgo"
)

// maxDepth is OpenSSH's READCONF_MAX_DEPTH.
const maxDepth = 16

// Options say which files to read.
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
	// LocalUser is %u and the remote user when none is given; default the
	// current user.
	LocalUser string
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
}

// file is one parsed file with its blocks.
type file struct {
	name   string
	system bool
	blocks []block
}

// block is a Host or Match block, or the implicit block before the first.
type block struct {
	line     int      // 0 for the implicit block
	hosts    []string // Host patterns; nil for Match and the implicit block
	criteria []string // Match criteria and their arguments
	nodes    []node
}

// node is a keyword line of a block, or an Include.
type node struct {
	key   string // lowercased
	value string
	line  int
	files []*file // the included files, for Include
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
	c := &Config{opt: opt}
	for _, f := range []struct {
		name   string
		system bool
	}{{opt.UserFile, false}, {opt.SystemFile, true}} {
		if f.name == "" {
			continue
		}
		pf, err := c.parse(f.name, f.system, 0)
		if err != nil {
			if opt.IgnoreMissing && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		c.files = append(c.files, pf)
	}
	return c, nil
}

// directive is a Host, Match or Include line found by scanning the file.
type directive struct {
	line int
	key  string // "host", "match" or "include"
	args []string
}

// scan finds the Host, Match and Include lines, and returns the text with
// Match and Include lines renamed, for kevinburke/ssh_config to tokenize
// without acting on them (it rejects most Match criteria and reads Include
// files itself).
func scan(data []byte) ([]directive, []byte) {
	lines := bytes.Split(data, []byte("\n"))
	var dirs []directive
	for i, l := range lines {
		s := strings.TrimRight(strings.TrimLeft(string(l), " \t"), "\r")
		end := strings.IndexAny(s, " \t=")
		if end < 0 {
			end = len(s) // a keyword alone, as "Host" with no patterns
		}
		key := strings.ToLower(s[:end])
		if key != "host" && key != "match" && key != "include" {
			continue
		}
		rest := strings.TrimLeft(s[end:], " \t")
		rest = strings.TrimPrefix(rest, "=")
		if j := strings.IndexByte(rest, '#'); j >= 0 {
			rest = rest[:j]
		}
		dirs = append(dirs, directive{line: i + 1, key: key, args: splitArgs(strings.TrimRight(rest, " \t\r"))})
		switch key {
		case "match":
			// A Host block as far as the tokenizer is concerned.
			lines[i] = []byte("Host *")
		case "include":
			lines[i] = []byte("PsshInclude x")
		}
	}
	return dirs, bytes.Join(lines, []byte("\n"))
}

func (c *Config) parse(name string, system bool, depth int) (*file, error) {
	if depth > maxDepth {
		return nil, &Error{File: name, Err: errors.New("Include nested too deeply")}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	dirs, text := scan(data)
	kc, err := kssh.DecodeBytes(text)
	if err != nil {
		// The tokenizer's errors start with "(line, column)".
		return nil, &Error{File: name, Err: err}
	}
	f := &file{name: name, system: system}
	var blockDirs, includes []directive
	for _, d := range dirs {
		if d.key == "include" {
			includes = append(includes, d)
		} else {
			blockDirs = append(blockDirs, d)
		}
	}
	if len(kc.Hosts) != len(blockDirs)+1 {
		return nil, &Error{File: name, Err: fmt.Errorf("found %d Host and Match lines, the tokenizer %d", len(blockDirs), len(kc.Hosts)-1)}
	}
	for i, h := range kc.Hosts {
		var b block
		if i > 0 {
			d := blockDirs[i-1]
			b.line = d.line
			if d.key == "host" {
				b.hosts = d.args
				if len(b.hosts) == 0 {
					return nil, &Error{File: name, Line: d.line, Err: errors.New("Host without patterns")}
				}
			} else {
				b.criteria = d.args
				if err := checkCriteria(d.args); err != nil {
					return nil, &Error{File: name, Line: d.line, Err: err}
				}
			}
		}
		for _, n := range h.Nodes {
			kv, ok := n.(*kssh.KV)
			if !ok {
				continue
			}
			nd := node{key: strings.ToLower(kv.Key), value: kv.Value, line: kv.Pos().Line}
			if nd.key == "psshinclude" {
				var d directive
				for _, inc := range includes {
					if inc.line == nd.line {
						d = inc
					}
				}
				nd.key = "include"
				if nd.files, err = c.include(name, system, d, depth); err != nil {
					return nil, err
				}
			}
			b.nodes = append(b.nodes, nd)
		}
		f.blocks = append(f.blocks, b)
	}
	return f, nil
}

// include parses the files an Include line names.
func (c *Config) include(name string, system bool, d directive, depth int) ([]*file, error) {
	if len(d.args) == 0 {
		return nil, &Error{File: name, Line: d.line, Err: errors.New("Include without a path")}
	}
	var files []*file
	for _, arg := range d.args {
		p := expandTilde(arg, c.opt.HomeDir)
		if !filepath.IsAbs(p) {
			if system {
				p = filepath.Join("/etc/ssh", p)
			} else {
				p = filepath.Join(c.opt.HomeDir, ".ssh", p)
			}
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, &Error{File: name, Line: d.line, Err: fmt.Errorf("Include %q: %w", arg, err)}
		}
		for _, m := range matches {
			f, err := c.parse(m, system, depth+1)
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) {
					err = &Error{File: name, Line: d.line, Err: fmt.Errorf("Include: %w", err)}
				}
				return nil, err
			}
			files = append(files, f)
		}
	}
	return files, nil
}

// checkCriteria refuses the Match criteria this package does not evaluate.
func checkCriteria(args []string) error {
	if len(args) == 0 {
		return errors.New("Match without criteria")
	}
	for i := 0; i < len(args); i++ {
		switch a := strings.ToLower(args[i]); a {
		case "all":
			if len(args) != 1 {
				return errors.New(`"Match all" must stand alone`)
			}
		case "host", "originalhost", "user", "localuser":
			if i+1 >= len(args) {
				return fmt.Errorf("Match %s without patterns", a)
			}
			i++
		default:
			return fmt.Errorf("Match %s is not supported by pssh (set Config.IgnoreSSHConfig, or use Host blocks)", args[i])
		}
	}
	return nil
}

// Override holds what the caller gives on the command line, as ssh's -l and
// -p: it wins over the files and is what %r and %p expand to.
type Override struct {
	User string
	Port int
}

// Settings are the resolved settings for one host. Has tells whether a
// keyword was set by the files.
type Settings struct {
	Alias               string
	HostName            string // lowercased; the alias when HostName is not set
	User                string // Override.User, else User, else the local user
	Port                int    // Override.Port, else Port, else 22
	IdentityFiles       []string
	IdentitiesOnly      bool
	IdentityAgent       string // a socket path, "none" or "SSH_AUTH_SOCK"; "" when not set
	ProxyJump           string // "" when not set or "none"
	ProxyCommand        string // unexpanded; "" when not set or "none"
	ConnectTimeout      time.Duration
	ServerAliveInterval time.Duration
	ServerAliveCountMax int
	// StrictHostKeyChecking is the value as written, lowercased: yes, no,
	// ask, accept-new, off or true/false.
	StrictHostKeyChecking string
	UserKnownHostsFiles   []string
	// KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs are the lists as
	// written, '+', '-' or '^' first included (see
	// sshalgo.ResolveSSHConfig, which has checked them); nil when not set.
	KexAlgorithms     []string
	HostKeyAlgorithms []string
	Ciphers           []string
	MACs              []string

	set map[string]bool
}

// Has reports whether keyword (case-insensitive) was set for the host.
func (s *Settings) Has(keyword string) bool { return s.set[strings.ToLower(keyword)] }

// Resolve returns the settings for alias.
func (c *Config) Resolve(alias string) (Settings, error) {
	return c.ResolveWith(alias, Override{})
}

// raw is a keyword value as found, with its place.
type raw struct {
	value string
	file  string
	line  int
}

// resolver collects the first value of each keyword.
type resolver struct {
	c        *Config
	alias    string
	override Override
	first    map[string]raw
	idFiles  []raw
}

// ResolveWith returns the settings for alias with the caller's overrides.
func (c *Config) ResolveWith(alias string, o Override) (Settings, error) {
	r := &resolver{c: c, alias: alias, override: o, first: map[string]raw{}}
	for _, f := range c.files {
		if err := r.file(f); err != nil {
			return Settings{}, err
		}
	}
	return r.settings()
}

func (r *resolver) file(f *file) error {
	for _, b := range f.blocks {
		active, err := r.matches(b)
		if err != nil {
			return &Error{File: f.name, Line: b.line, Err: err}
		}
		if !active {
			continue
		}
		for _, n := range b.nodes {
			switch n.key {
			case "include":
				for _, inc := range n.files {
					if err := r.file(inc); err != nil {
						return err
					}
				}
			case "identityfile":
				r.idFiles = append(r.idFiles, raw{n.value, f.name, n.line})
			default:
				if _, ok := r.first[n.key]; !ok {
					r.first[n.key] = raw{n.value, f.name, n.line}
				}
			}
		}
	}
	return nil
}

func (r *resolver) matches(b block) (bool, error) {
	switch {
	case b.line == 0:
		return true, nil
	case b.hosts != nil:
		return matchHost(b.hosts, r.alias), nil
	}
	for i := 0; i < len(b.criteria); i++ {
		crit := strings.ToLower(b.criteria[i])
		if crit == "all" {
			return true, nil
		}
		i++
		list := b.criteria[i]
		var target string
		switch crit {
		case "host":
			target = r.alias
			if hn, ok := r.first["hostname"]; ok {
				target = expandHostName(hn.value, r.alias)
			}
			target = strings.ToLower(target)
			list = strings.ToLower(list)
		case "originalhost":
			target = r.alias
		case "user":
			target = r.user()
		case "localuser":
			target = r.c.opt.LocalUser
		}
		if !matchList(target, list) {
			return false, nil
		}
	}
	return true, nil
}

// user is the remote user as known so far.
func (r *resolver) user() string {
	if r.override.User != "" {
		return r.override.User
	}
	if u, ok := r.first["user"]; ok {
		return u.value
	}
	return r.c.opt.LocalUser
}

func (r *resolver) errorf(v raw, format string, a ...any) error {
	return &Error{File: v.file, Line: v.line, Err: fmt.Errorf(format, a...)}
}

func (r *resolver) settings() (Settings, error) {
	s := Settings{Alias: r.alias, set: map[string]bool{}}
	for k := range r.first {
		s.set[k] = true
	}
	if len(r.idFiles) > 0 {
		s.set["identityfile"] = true
	}
	s.HostName = strings.ToLower(r.alias)
	if v, ok := r.first["hostname"]; ok {
		if strings.ContainsRune(strings.ReplaceAll(strings.ReplaceAll(v.value, "%%", ""), "%h", ""), '%') {
			return s, r.errorf(v, "HostName %q: only %%h and %%%% are expanded", v.value)
		}
		s.HostName = strings.ToLower(expandHostName(v.value, r.alias))
	}
	s.User = r.user()
	s.Port = 22
	if v, ok := r.first["port"]; ok {
		p, err := strconv.Atoi(v.value)
		if err != nil || p < 1 || p > 65535 {
			return s, r.errorf(v, "bad Port %q", v.value)
		}
		s.Port = p
	}
	if r.override.Port != 0 {
		s.Port = r.override.Port
	}
	if v, ok := r.first["proxyjump"]; ok && !strings.EqualFold(v.value, "none") {
		s.ProxyJump = v.value
	}
	if v, ok := r.first["proxycommand"]; ok && !strings.EqualFold(v.value, "none") {
		s.ProxyCommand = v.value
	}
	tokens := r.tokens(s)
	for _, v := range r.idFiles {
		p, err := expandPath(v.value, r.c.opt.HomeDir, tokens, false)
		if err != nil {
			return s, r.errorf(v, "IdentityFile: %v", err)
		}
		s.IdentityFiles = append(s.IdentityFiles, p)
	}
	var err error
	if v, ok := r.first["identitiesonly"]; ok {
		if s.IdentitiesOnly, err = parseYesNo(v.value); err != nil {
			return s, r.errorf(v, "IdentitiesOnly: %v", err)
		}
	}
	if v, ok := r.first["identityagent"]; ok {
		s.IdentityAgent = v.value
		if !strings.EqualFold(v.value, "none") && v.value != "SSH_AUTH_SOCK" {
			if s.IdentityAgent, err = expandPath(v.value, r.c.opt.HomeDir, tokens, true); err != nil {
				return s, r.errorf(v, "IdentityAgent: %v", err)
			}
		} else if strings.EqualFold(v.value, "none") {
			s.IdentityAgent = "none"
		}
	}
	if v, ok := r.first["connecttimeout"]; ok {
		if s.ConnectTimeout, err = parseTime(v.value); err != nil {
			return s, r.errorf(v, "ConnectTimeout: %v", err)
		}
	}
	if v, ok := r.first["serveraliveinterval"]; ok {
		if s.ServerAliveInterval, err = parseTime(v.value); err != nil {
			return s, r.errorf(v, "ServerAliveInterval: %v", err)
		}
	}
	if v, ok := r.first["serveralivecountmax"]; ok {
		n, err := strconv.Atoi(v.value)
		if err != nil || n < 0 {
			return s, r.errorf(v, "bad ServerAliveCountMax %q", v.value)
		}
		s.ServerAliveCountMax = n
	}
	if v, ok := r.first["stricthostkeychecking"]; ok {
		s.StrictHostKeyChecking = strings.ToLower(v.value)
		switch s.StrictHostKeyChecking {
		case "yes", "no", "ask", "accept-new", "off", "true", "false":
		default:
			return s, r.errorf(v, "bad StrictHostKeyChecking %q", v.value)
		}
	}
	for _, a := range []struct {
		kind sshalgo.Kind
		dst  *[]string
	}{
		{sshalgo.KeyExchange, &s.KexAlgorithms},
		{sshalgo.HostKey, &s.HostKeyAlgorithms},
		{sshalgo.Cipher, &s.Ciphers},
		{sshalgo.MAC, &s.MACs},
	} {
		if v, ok := r.first[strings.ToLower(a.kind.Option())]; ok {
			spec := []string{v.value}
			if _, err := sshalgo.ResolveSSHConfig(a.kind, spec); err != nil {
				return s, &Error{File: v.file, Line: v.line, Err: fmt.Errorf("%s: %w", a.kind.Option(), err)}
			}
			*a.dst = spec
		}
	}
	if v, ok := r.first["userknownhostsfile"]; ok {
		for _, a := range splitArgs(v.value) {
			p, err := expandPath(a, r.c.opt.HomeDir, tokens, false)
			if err != nil {
				return s, r.errorf(v, "UserKnownHostsFile: %v", err)
			}
			s.UserKnownHostsFiles = append(s.UserKnownHostsFiles, p)
		}
	}
	return s, nil
}

// tokens returns the values of OpenSSH's client %-tokens for s.
func (r *resolver) tokens(s Settings) map[byte]string {
	long, _ := os.Hostname()
	short, _, _ := strings.Cut(long, ".")
	port := strconv.Itoa(s.Port)
	hashed := long + s.HostName + port + s.User + s.ProxyJump
	sum := sha1.Sum([]byte(hashed))
	return map[byte]string{
		'%': "%",
		'C': hex.EncodeToString(sum[:]),
		'd': r.c.opt.HomeDir,
		'h': s.HostName,
		'i': strconv.Itoa(os.Getuid()),
		'j': s.ProxyJump,
		'k': r.alias,
		'L': short,
		'l': long,
		'n': r.alias,
		'p': port,
		'r': s.User,
		'u': r.c.opt.LocalUser,
	}
}

func expandHostName(v, alias string) string {
	return strings.NewReplacer("%%", "%", "%h", alias).Replace(v)
}

// expandPath expands a leading '~', the %-tokens and, if env, ${VAR}.
func expandPath(v, home string, tokens map[byte]string, env bool) (string, error) {
	v = expandTilde(v, home)
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '%':
			if i+1 >= len(v) {
				return "", fmt.Errorf("%q ends in %%", v)
			}
			t, ok := tokens[v[i+1]]
			if !ok {
				return "", fmt.Errorf("%q: unknown token %%%c", v, v[i+1])
			}
			b.WriteString(t)
			i++
		case env && v[i] == '$' && i+1 < len(v) && v[i+1] == '{':
			end := strings.IndexByte(v[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("%q: unterminated ${", v)
			}
			name := v[i+2 : i+end]
			val, ok := os.LookupEnv(name)
			if !ok {
				return "", fmt.Errorf("%q: environment variable %s is not set", v, name)
			}
			b.WriteString(val)
			i += end
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String(), nil
}

func expandTilde(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// matchHost reports whether a Host line's patterns select host.
func matchHost(patterns []string, host string) bool {
	found := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if matchPattern(host, neg) {
				return false
			}
		} else if matchPattern(host, p) {
			found = true
		}
	}
	return found
}

// matchList matches s against a comma-separated pattern list, as OpenSSH's
// match_pattern_list: a matching negated pattern fails the list.
func matchList(s, list string) bool {
	return matchHost(strings.Split(list, ","), s)
}

// matchPattern is OpenSSH's match_pattern: '*' matches any run of
// characters, '?' exactly one.
func matchPattern(s, p string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			p = p[1:]
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if matchPattern(s[i:], p) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		s, p = s[1:], p[1:]
	}
	return s == ""
}

// splitArgs splits a value into white-space separated arguments; double
// quotes group.
func splitArgs(v string) []string {
	var (
		args  []string
		cur   strings.Builder
		in    bool
		quote bool
	)
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch == '"':
			quote = !quote
			in = true
		case (ch == ' ' || ch == '\t') && !quote:
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		args = append(args, cur.String())
	}
	return args
}

func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", v)
}

// parseTime parses OpenSSH's time format: seconds, or a sequence of numbers
// with the units s, m, h, d or w ("1m30s").
func parseTime(v string) (time.Duration, error) {
	if v == "" {
		return 0, errors.New("empty time")
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	var total time.Duration
	rest := strings.ToLower(v)
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad time %q", v)
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := time.Second
		if i < len(rest) {
			switch rest[i] {
			case 's':
			case 'm':
				unit = time.Minute
			case 'h':
				unit = time.Hour
			case 'd':
				unit = 24 * time.Hour
			case 'w':
				unit = 7 * 24 * time.Hour
			default:
				return 0, fmt.Errorf("bad time %q", v)
			}
			i++
		}
		total += time.Duration(n) * unit
		rest = rest[i:]
	}
	return total, nil
}
