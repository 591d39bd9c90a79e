package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh"
)

// The control master in the command: --control-persist, --control-path
// and the ssh_config keywords ControlMaster, ControlPath, ControlPersist
// (given with -O), with OpenSSH's meanings. The master itself is a pssh
// process started detached ("pssh control serve", control_master.go)
// that lends its connections to later invocations through one Unix
// socket for the whole fleet (see pssh.Client.ServeControl).

// controlSettings is what the control flags and options ask for.
type controlSettings struct {
	master  string // ControlMaster: "" (= no), "no", "yes" or "auto"
	path    string // ControlPath as given: "" for the default, "none" for none
	pathSet bool
	// ControlPersist: with persistSet, the master runs in the background
	// and ends after persist without use (0: until stopped).
	persist    time.Duration
	persistSet bool
}

// option interprets -O ControlMaster, ControlPath or ControlPersist.
func (c *controlSettings) option(name, value string) error {
	switch strings.ToLower(name) {
	case "controlmaster":
		switch v := strings.ToLower(value); v {
		case "yes", "no", "auto":
			c.master = v
		case "ask":
			c.master = "yes" // pssh asks nobody: as yes
		case "autoask":
			c.master = "auto"
		default:
			return usagef("ssh option ControlMaster: %q is not yes, no or auto", value)
		}
	case "controlpath":
		c.path, c.pathSet = value, true
	case "controlpersist":
		return c.setPersist("ssh option ControlPersist", value)
	}
	return nil
}

// flags applies --control-persist and --control-path, which win over -O.
// --control-persist D is -O ControlMaster=auto -O ControlPersist=D.
func (c *controlSettings) flags(persist, path string) error {
	if persist != "" {
		if err := c.setPersist("--control-persist", persist); err != nil {
			return err
		}
		if c.persistSet && (c.master == "" || c.master == "no") {
			c.master = "auto"
		}
	}
	if path != "" {
		c.path, c.pathSet = path, true
	}
	return nil
}

// setPersist interprets a ControlPersist value: yes (until stopped), no,
// or a time in OpenSSH's format (a number of seconds, or numbers with
// units s, m, h, d, w: 90, 10m, 1h30m).
func (c *controlSettings) setPersist(what, v string) error {
	switch strings.ToLower(v) {
	case "no":
		c.persist, c.persistSet = 0, false
		return nil
	case "yes", "0":
		c.persist, c.persistSet = 0, true
		return nil
	}
	d, err := parseSSHTime(v)
	if err != nil {
		return usagef("%s: %q is not yes, no or a time (90, 10m, 1h30m)", what, v)
	}
	c.persist, c.persistSet = d, true
	return nil
}

// parseSSHTime parses OpenSSH's time format: numbers each followed by an
// optional unit (s, m, h, d, w; none is seconds).
func parseSSHTime(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, fmt.Errorf("bad time")
		}
		n, _ := strconv.Atoi(s[:i])
		unit := time.Second
		if i < len(s) {
			u, ok := units[s[i]|0x20]
			if !ok {
				return 0, fmt.Errorf("bad unit")
			}
			unit = u
			i++
		}
		total += time.Duration(n) * unit
		s = s[i:]
	}
	return total, nil
}

// socket returns the control socket's path, its tokens expanded: "" for
// none.
func (c *controlSettings) socket() (string, error) {
	switch c.path {
	case "none":
		return "", nil
	case "":
		return pssh.DefaultControlPath(), nil
	}
	return expandControlPath(c.path)
}

// expandControlPath expands the local tokens of an OpenSSH ControlPath:
// %d (home directory), %u (local user), %i (user ID), %L (host name, first
// component), %l (host name), %% and a leading ~. The tokens of a remote
// host (%h, %p, %r, %C, %n) have no value: the fleet has one socket.
func expandControlPath(p string) (string, error) {
	p = expandHome(p)
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+1 == len(p) {
			return "", usagef("ControlPath %q ends with a lone %%", p)
		}
		i++
		switch p[i] {
		case '%':
			b.WriteByte('%')
		case 'd':
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("ControlPath %%d: %w", err)
			}
			b.WriteString(home)
		case 'u':
			u, err := user.Current()
			if err != nil {
				return "", fmt.Errorf("ControlPath %%u: %w", err)
			}
			b.WriteString(u.Username)
		case 'i':
			b.WriteString(strconv.Itoa(os.Getuid()))
		case 'l', 'L':
			name, err := os.Hostname()
			if err != nil {
				return "", fmt.Errorf("ControlPath %%%c: %w", p[i], err)
			}
			if p[i] == 'L' {
				name, _, _ = strings.Cut(name, ".")
			}
			b.WriteString(name)
		default:
			return "", usagef("ControlPath %q: %%%c is not supported: the fleet has one control socket, so only the local tokens %%d, %%u, %%i, %%L, %%l and %%%% apply", p, p[i])
		}
	}
	return b.String(), nil
}

// addControlFlags defines --control-persist and --control-path.
func addControlFlags(g flagGroup, o *options) {
	g.string(&o.controlPersist, "control-persist", "", "TIME", "keep the connections in a background control master, ended after TIME unused (90, 10m, 1h; yes = until pssh control stop): later runs go through it with no new connection (-O ControlMaster=auto -O ControlPersist=TIME)")
	g.string(&o.controlPath, "control-path", "", "SOCKET", "the control master's socket (-O ControlPath; default $XDG_RUNTIME_DIR/pssh/control or /tmp/pssh-UID/control; none = no master)")
}

// useControl decides, before the client is made, how this invocation
// uses a control master: it sets cfg.ControlPath to attach to one,
// starting it in the background first if asked to, and returns the socket
// this invocation serves its own connections on itself ("" for none), as
// OpenSSH's master does without ControlPersist.
func useControl(o *options, cfg *pssh.Config, errOut io.Writer) (serveHere string, err error) {
	c := o.control
	if c.master == "" || c.master == "no" {
		if !c.pathSet {
			return "", nil
		}
	}
	path, err := c.socket()
	if err != nil || path == "" {
		return "", err
	}
	warn := func(format string, args ...any) {
		fmt.Fprintf(errOut, "pssh: warning: "+format+"\n", args...)
	}
	attach := func() {
		cfg.ControlPath = path
		cfg.ControlWarning = func(err error) { warn("%v", err) }
	}
	listening := masterAnswers(path)
	switch c.master {
	case "", "no":
		if listening || socketExists(path) {
			attach() // a stale socket is warned about
		}
		return "", nil
	case "auto":
		if listening {
			attach()
			return "", nil
		}
	case "yes":
		if listening {
			warn("control master %s: one is already listening: connecting directly", path)
			return "", nil
		}
	}
	if !c.persistSet {
		return path, nil
	}
	if (cfg.Password != "" && o.passwordFile == "") || cfg.Passphrase != nil {
		// The master gets no secret from the environment and cannot
		// prompt: it could not log in as this invocation does.
		warn("control master %s: not started: it cannot be given a password or passphrase typed or taken from $%s/$%s (use a key, an agent or --password-file); connecting directly", path, passwordEnv, passphraseEnv)
		return "", nil
	}
	if err := startMaster(o, path, c.persist); err != nil {
		warn("control master %s: %v; connecting directly", path, err)
		return "", nil
	}
	attach()
	return "", nil
}
