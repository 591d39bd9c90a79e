package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/sshalgo"
)

// sshSettings gathers what -O, -x, -X and the ssh-like flags ask for.
type sshSettings struct {
	user        string
	port        int
	keyFile     string
	certFile    string
	userKnown   []string           // UserKnownHostsFile
	globalKnown []string           // GlobalKnownHostsFile
	policy      pssh.HostKeyPolicy // StrictHostKeyChecking or --known-hosts
	hashKnown   bool               // HashKnownHosts
	connectTO   time.Duration
	handshakeTO time.Duration // --handshake-timeout
	retries     int
	hasRetries  bool

	proxyJump    string // -J, ProxyJump
	proxyCommand string // ProxyCommand
	forwardAgent bool   // --forward-agent, ForwardAgent
	configFile   string // -F: the ssh_config file instead of ~/.ssh/config

	// KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs as written ("+ssh-rsa").
	algorithms map[sshalgo.Kind]string
}

// sshArgs interprets ssh command-line arguments given with -x and -X. Only
// those whose meaning pssh can honour itself are accepted.
func (s *sshSettings) sshArgs(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return usagef("extra ssh argument %q: only ssh options are accepted (-o, -i, -p, -J, -F, -l)", a)
		}
		flag, value := a[1:2], a[2:]
		switch flag {
		case "o", "i", "p", "J", "F", "l":
		default:
			return usagef("extra ssh argument %q is not supported: pssh speaks SSH itself and honours only -o, -i, -p, -J, -F and -l", a)
		}
		if value == "" {
			if i+1 >= len(args) {
				return usagef("extra ssh argument %s needs a value", a)
			}
			i++
			value = args[i]
		}
		var err error
		switch flag {
		case "o":
			err = s.option(value)
		case "i":
			s.keyFile = value
		case "p":
			err = s.option("Port=" + value)
		case "J":
			s.proxyJump = value
		case "F":
			s.configFile = value
		case "l":
			s.user = value
		}
		if err != nil {
			return err
		}
	}
	return nil
}

const supportedOptions = "StrictHostKeyChecking, HashKnownHosts, UserKnownHostsFile, GlobalKnownHostsFile, Port, User, IdentityFile, CertificateFile, ProxyJump, ProxyCommand, ForwardAgent, ConnectTimeout, ConnectionAttempts, KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs, BatchMode, LogLevel"

// hostKeyPolicy parses a StrictHostKeyChecking value (or --known-hosts):
// yes, accept-new, no (and OpenSSH's other spellings). "ask" is taken as
// yes, as ssh does in batch mode: pssh never prompts per host.
func hostKeyPolicy(what, v string) (pssh.HostKeyPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "ask", "strict":
		return pssh.HostKeyStrict, nil
	}
	p, err := pssh.ParseHostKeyPolicy(v)
	if err != nil {
		return 0, usagef("%s: %q is not yes, accept-new or no", what, v)
	}
	return p, nil
}

// yesNo parses an ssh_config yes/no value.
func yesNo(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, usagef("ssh option %s: %q is not yes or no", name, v)
}

// option interprets one ssh_config option, "Name=Value" or "Name Value".
func (s *sshSettings) option(opt string) error {
	name, value, ok := strings.Cut(strings.TrimSpace(opt), "=")
	if !ok {
		name, value, ok = strings.Cut(strings.TrimSpace(opt), " ")
	}
	name, value = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(value), `"`)
	if !ok || name == "" || value == "" {
		return usagef("ssh option %q: write Name=Value, e.g. -O StrictHostKeyChecking=no", opt)
	}
	switch strings.ToLower(name) {
	case "stricthostkeychecking":
		p, err := hostKeyPolicy("ssh option "+name, value)
		if err != nil {
			return err
		}
		s.policy = p
	case "hashknownhosts":
		b, err := yesNo(name, value)
		if err != nil {
			return err
		}
		s.hashKnown = b
	case "forwardagent":
		b, err := yesNo(name, value)
		if err != nil {
			return err
		}
		s.forwardAgent = b
	case "proxyjump":
		s.proxyJump = value
	case "proxycommand":
		s.proxyCommand = value
	case "certificatefile":
		s.certFile = expandHome(value)
	case "userknownhostsfile", "globalknownhostsfile":
		// "none" is no file, as in ssh_config; files given again add up.
		files := &s.globalKnown
		if strings.EqualFold(name, "UserKnownHostsFile") {
			files = &s.userKnown
		}
		if *files == nil {
			*files = []string{}
		}
		for f := range strings.FieldsSeq(value) {
			if f != "none" {
				*files = append(*files, expandHome(f))
			}
		}
	case "port":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 65535 {
			return usagef("ssh option Port: %q is not a port number", value)
		}
		s.port = n
	case "user":
		s.user = value
	case "identityfile":
		s.keyFile = expandHome(value)
	case "connecttimeout":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return usagef("ssh option ConnectTimeout: %q is not a number of seconds", value)
		}
		s.connectTO = time.Duration(n) * time.Second
	case "connectionattempts":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return usagef("ssh option ConnectionAttempts: %q is not a positive number", value)
		}
		s.retries, s.hasRetries = n-1, true
	case "kexalgorithms", "hostkeyalgorithms", "ciphers", "macs":
		for _, k := range sshalgo.Kinds {
			if strings.EqualFold(name, k.Option()) {
				if _, err := sshalgo.Resolve(k, []string{value}); err != nil {
					return usagef("ssh option %s: %v", k.Option(), err)
				}
				if s.algorithms == nil {
					s.algorithms = map[sshalgo.Kind]string{}
				}
				s.algorithms[k] = value
			}
		}
	case "batchmode", "loglevel":
		// pssh never prompts per host and logs nothing of its own: nothing to do.
	default:
		return usagef("ssh option %s is not supported by pssh; supported: %s", name, supportedOptions)
	}
	return nil
}

// apply fills cfg from the settings; warnings go to stderr.
func (s *sshSettings) apply(cfg *pssh.Config, stderr io.Writer) {
	if s.user != "" {
		cfg.User = s.user
	}
	if s.port != 0 {
		cfg.Port = s.port
	}
	if s.keyFile != "" {
		cfg.KeyFile = s.keyFile
	}
	if s.certFile != "" {
		cfg.CertFile = s.certFile
	}
	if s.userKnown != nil || s.globalKnown != nil {
		// As ssh: the user files, then the global ones, each the default
		// unless given.
		user, global := pssh.DefaultKnownHostsFiles()
		if s.userKnown != nil {
			user = s.userKnown
		}
		if s.globalKnown != nil {
			global = s.globalKnown
		}
		cfg.KnownHostsFiles = append(slices.Clone(user), global...)
		if len(cfg.KnownHostsFiles) == 0 {
			cfg.KnownHostsFiles = []string{"none"} // not the defaults
		}
	}
	cfg.HostKeyPolicy = s.policy
	cfg.HashKnownHosts = s.hashKnown
	if s.policy == pssh.HostKeyInsecureIgnore {
		fmt.Fprintln(stderr, "pssh: warning: the keys of hosts not in known_hosts are not checked (StrictHostKeyChecking=no / --known-hosts=no): anyone on the path can impersonate them")
	}
	cfg.SSHConfigFile = s.configFile
	cfg.ProxyJump = s.proxyJump
	cfg.ProxyCommand = s.proxyCommand
	cfg.ForwardAgent = s.forwardAgent
	if s.connectTO > 0 {
		cfg.ConnectTimeout = s.connectTO
	}
	if s.handshakeTO > 0 {
		cfg.HandshakeTimeout = s.handshakeTO
	}
	if s.hasRetries {
		cfg.Retries = s.retries
	}
	for k, v := range s.algorithms {
		switch k {
		case sshalgo.KeyExchange:
			cfg.KeyExchanges = []string{v}
		case sshalgo.HostKey:
			cfg.HostKeyAlgorithms = []string{v}
		case sshalgo.Cipher:
			cfg.Ciphers = []string{v}
		case sshalgo.MAC:
			cfg.MACs = []string{v}
		}
	}
}
