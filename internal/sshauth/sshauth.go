// Package sshauth builds the SSH client authentication methods for a client:
// agent keys, then identity files, then keyboard-interactive and password,
// in OpenSSH's order. Keys are parsed once per client and shared by all hosts,
// and one agent connection serves every host.
package sshauth

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Key is a private key given by file path or as bytes.
//
// A key file whose permissions let group or others read it is refused, as
// OpenSSH refuses it: such a key may be known to others. Like OpenSSH, the
// check applies to files owned by the current user.
//
// A certificate for the key (an OpenSSH user certificate, as ssh-keygen -s
// writes it) is offered before the plain key: CertPath, or else
// Path+"-cert.pub" when that file exists.
type Key struct {
	Path       string // file holding the key; "" when PEM is given
	PEM        []byte // key bytes, used when Path is ""
	Passphrase []byte // for encrypted keys
	CertPath   string // certificate file; default Path+"-cert.pub" if it exists
	// Optional skips the key when its file is missing or cannot be used
	// (encrypted without the passphrase, say), as OpenSSH does with the
	// IdentityFile entries of ssh_config.
	Optional bool
}

// Options say which credentials to offer.
type Options struct {
	Password    string
	Keys        []Key  // explicit keys; when empty, DefaultKeys are tried
	DefaultKeys bool   // try ~/.ssh/id_ed25519, id_ecdsa, id_rsa when Keys is empty
	Passphrase  []byte // passphrase for default identity files
	Agent       bool   // offer the keys of the SSH agent
	AgentSocket string // agent socket; "" means $SSH_AUTH_SOCK
	HomeDir     string // for ~ and default keys; "" means os.UserHomeDir()
	// PubkeyAlgorithms, if not nil, are the signature algorithms public
	// key authentication may use (OpenSSH's PubkeyAcceptedAlgorithms,
	// resolved): a key none of whose algorithms is listed is not offered,
	// and an RSA key signs only with the listed ones.
	PubkeyAlgorithms []string
}

// DefaultIdentityFiles are tried, in order, when no key is given.
var DefaultIdentityFiles = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

type namedSigner struct {
	name   string
	signer ssh.Signer
}

// Set is the prepared credentials of one client, safe for concurrent use by
// every host's connection.
type Set struct {
	opt     Options
	keys    []namedSigner // parsed identity files and key bytes
	tried   []string      // names of what is offered, for error messages
	skipped []string      // default identity files not offered, with the reason
	agent   *sharedAgent
	cache   *keyCache // shared with the Sets derived from this one
}

// keyCache holds the keys parsed by a Set and the Sets derived from it, so
// that a key given once for many hosts (with per-host passwords, say) is
// parsed, and decrypted, once.
type keyCache struct {
	mu sync.Mutex
	m  map[string]parsedKey
}

type parsedKey struct {
	signer ssh.Signer
	err    error
}

func (c *keyCache) parse(data, passphrase []byte) (ssh.Signer, error) {
	k := string(passphrase) + "\x00" + string(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[k]; ok {
		return p.signer, p.err
	}
	signer, err := parseKey(data, passphrase)
	c.m[k] = parsedKey{signer, err}
	return signer, err
}

// sharedAgent is one agent connection for every host of a client. The agent
// client serializes its requests, which bounds the load on ssh-agent.
type sharedAgent struct {
	socket string
	mu     sync.Mutex
	client agent.ExtendedAgent
	conn   net.Conn
	tried  bool
}

// New parses the keys. An explicit key that cannot be read or decrypted is an
// error; a default identity file that is missing is skipped.
func New(opt Options) (*Set, error) {
	return newSet(opt, &sharedAgent{socket: opt.AgentSocket}, &keyCache{m: map[string]parsedKey{}})
}

// Derive returns a Set for other credentials that shares s's agent
// connection and the keys s has parsed.
func (s *Set) Derive(opt Options) (*Set, error) {
	return newSet(opt, s.agent, s.cache)
}

func newSet(opt Options, ag *sharedAgent, cache *keyCache) (*Set, error) {
	s := &Set{opt: opt, agent: ag, cache: cache}
	home := opt.HomeDir
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if opt.Agent {
		s.tried = append(s.tried, "agent")
	}
	for i, k := range opt.Keys {
		var (
			data = k.PEM
			name = fmt.Sprintf("key #%d", i+1)
			path string
			err  error
		)
		if k.Path != "" {
			name = k.Path
			path = expandHome(k.Path, home)
			if err := checkPermissions(path, name); err != nil {
				if k.Optional { // as OpenSSH: this key is ignored, the others tried
					s.skipped = append(s.skipped, err.Error())
					continue
				}
				return nil, err
			}
			if data, err = os.ReadFile(path); err != nil {
				if k.Optional {
					continue
				}
				return nil, fmt.Errorf("reading private key: %w", err)
			}
		}
		signer, err := cache.parse(data, k.Passphrase)
		if err != nil && k.Optional {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("private key %s: %w", name, err)
		}
		certPath, certName, explicitCert := expandHome(k.CertPath, home), k.CertPath, k.CertPath != ""
		if !explicitCert && path != "" {
			certPath, certName = path+"-cert.pub", name+"-cert.pub"
		}
		if certPath != "" {
			cs, err := certSigner(certPath, signer)
			switch {
			case err == nil:
				s.keys = append(s.keys, namedSigner{certName, cs})
				s.tried = append(s.tried, certName)
			case explicitCert || !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("certificate %s: %w", certName, err)
			}
		}
		s.keys = append(s.keys, namedSigner{name, signer})
		s.tried = append(s.tried, name)
	}
	if len(opt.Keys) == 0 && opt.DefaultKeys && home != "" {
		for _, base := range DefaultIdentityFiles {
			path := filepath.Join(home, ".ssh", base)
			name := "~/.ssh/" + base
			if err := checkPermissions(path, name); err != nil {
				// As OpenSSH: a key others can read is not used.
				s.skipped = append(s.skipped, err.Error())
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			signer, err := cache.parse(data, opt.Passphrase)
			if err != nil {
				// As OpenSSH does without a way to ask: skip keys we cannot use.
				s.skipped = append(s.skipped, fmt.Sprintf("%s: %v", name, err))
				continue
			}
			if cs, err := certSigner(path+"-cert.pub", signer); err == nil {
				s.keys = append(s.keys, namedSigner{name + "-cert.pub", cs})
				s.tried = append(s.tried, name+"-cert.pub")
			} else if !errors.Is(err, fs.ErrNotExist) {
				s.skipped = append(s.skipped, fmt.Sprintf("%s-cert.pub: %v", name, err))
			}
			s.keys = append(s.keys, namedSigner{name, signer})
			s.tried = append(s.tried, name)
		}
	}
	if opt.Password != "" {
		s.tried = append(s.tried, "keyboard-interactive", "password")
	}
	return s, nil
}

// PermissionError is a private key file that group or others may read.
type PermissionError struct {
	Name string      // the file as given
	Mode fs.FileMode // its permission bits
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("private key %s: permissions %#o are too open: a private key must not be accessible by others (OpenSSH refuses it too); run: chmod 600 %s",
		e.Name, e.Mode, e.Name)
}

// checkPermissions refuses a key file owned by the current user that group
// or others may access, as OpenSSH's sshkey_perm_ok. A missing file is not
// an error here.
func checkPermissions(path, name string) error {
	fi, err := os.Stat(path)
	if err != nil || !ownedByCurrentUser(fi) {
		return nil
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return &PermissionError{Name: name, Mode: mode}
	}
	return nil
}

// certSigner reads the OpenSSH user certificate at path and returns a signer
// presenting it with signer's key.
func certSigner(path string, signer ssh.Signer) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil, err
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok {
		return nil, fmt.Errorf("not a certificate but a %s key", pub.Type())
	}
	if cert.CertType != ssh.UserCert {
		return nil, errors.New("a host certificate, not a user certificate")
	}
	return ssh.NewCertSigner(cert, signer)
}

func parseKey(data, passphrase []byte) (ssh.Signer, error) {
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if len(passphrase) == 0 {
			return nil, errors.New("key is encrypted and no passphrase was given")
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, passphrase)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, errors.New("wrong passphrase")
		}
	}
	return signer, err
}

func expandHome(path, home string) string {
	if path == "~" {
		return home
	}
	if strings.HasPrefix(path, "~/") {
		return filepath.Join(home, path[2:])
	}
	return path
}

// Tried lists what is offered, in order, e.g. "agent", "~/.ssh/id_ed25519", "password".
func (s *Set) Tried() []string { return s.tried }

// Skipped lists the default identity files that exist but are not offered,
// each with the reason ("~/.ssh/id_rsa: key is encrypted and no passphrase
// was given").
func (s *Set) Skipped() []string { return s.skipped }

// Methods returns the authentication methods for one connection.
func (s *Set) Methods() []ssh.AuthMethod {
	var methods []ssh.AuthMethod
	if s.opt.Agent || len(s.keys) > 0 {
		methods = append(methods, ssh.PublicKeysCallback(s.signers))
	}
	if s.opt.Password != "" {
		pw := s.opt.Password
		methods = append(methods,
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}),
			ssh.Password(pw))
	}
	return methods
}

// signers returns the agent's keys followed by the identity files.
func (s *Set) signers() ([]ssh.Signer, error) {
	var out []ssh.Signer
	if s.opt.Agent {
		out = append(out, s.agent.signers()...)
	}
	for _, k := range s.keys {
		out = append(out, k.signer)
	}
	if s.opt.PubkeyAlgorithms == nil {
		return out, nil
	}
	accepted := out[:0:0]
	for _, sig := range out {
		if a := acceptedSigner(sig, s.opt.PubkeyAlgorithms); a != nil {
			accepted = append(accepted, a)
		}
	}
	return accepted, nil
}

// acceptedSigner returns sig restricted to the signature algorithms of
// its key type that are in algos, or nil if there are none.
func acceptedSigner(sig ssh.Signer, algos []string) ssh.Signer {
	var own []string
	switch t := sig.PublicKey().Type(); t {
	case ssh.KeyAlgoRSA:
		own = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		own = []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	default:
		own = []string{t}
	}
	var keep []string
	for _, a := range own {
		if slices.Contains(algos, a) {
			keep = append(keep, a)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if len(keep) == len(own) {
		return sig
	}
	as, ok := sig.(ssh.AlgorithmSigner)
	if !ok {
		return nil
	}
	// RSA keys (and their certificates) only here: they sign with several
	// algorithms, of which the server then picks among those kept.
	sig, err := ssh.NewSignerWithAlgorithms(as, rsaSignatureAlgorithms(keep))
	if err != nil {
		return nil
	}
	return sig
}

// rsaSignatureAlgorithms names, for NewSignerWithAlgorithms, the signature
// algorithms of a list of RSA key or certificate algorithms.
func rsaSignatureAlgorithms(algos []string) []string {
	names := map[string]string{
		ssh.CertAlgoRSASHA512v01: ssh.KeyAlgoRSASHA512, ssh.CertAlgoRSASHA256v01: ssh.KeyAlgoRSASHA256,
		ssh.CertAlgoRSAv01: ssh.KeyAlgoRSA,
	}
	out := make([]string, len(algos))
	for i, a := range algos {
		out[i] = cmp.Or(names[a], a)
	}
	return out
}

// Agent returns the client's agent, connecting to it on first use, or nil
// when there is none. It is the connection the keys come from, shared by
// every host, and serves agent forwarding too.
func (s *Set) Agent() agent.ExtendedAgent { return s.agent.get() }

// get returns the agent client, connecting once; a missing agent is nil.
func (a *sharedAgent) get() agent.ExtendedAgent {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.tried {
		a.tried = true
		sock := a.socket
		if sock == "" {
			sock = os.Getenv("SSH_AUTH_SOCK")
		}
		if sock != "" {
			if nc, err := net.Dial("unix", sock); err == nil {
				a.conn = nc
				a.client = agent.NewClient(nc)
			}
		}
	}
	return a.client
}

// signers returns the agent's keys; a missing agent is not an error.
func (a *sharedAgent) signers() []ssh.Signer {
	c := a.get()
	if c == nil {
		return nil
	}
	list, err := c.Signers()
	if err != nil {
		return nil
	}
	return list
}

// Close closes the agent connection shared by s and the Sets derived from it.
func (s *Set) Close() error {
	a := s.agent
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tried = true
	if a.conn != nil {
		err := a.conn.Close()
		a.conn, a.client = nil, nil
		return err
	}
	return nil
}
