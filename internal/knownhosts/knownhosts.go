// Package knownhosts checks SSH host keys against OpenSSH known_hosts files
// and, under the accept-new policy, appends the keys of new hosts to one of
// them. It reads them as OpenSSH does (sshd(8), "SSH_KNOWN_HOSTS FILE
// FORMAT"; ssh(1) looking a host up): plain and hashed host names, the
// "[host]:port" form, wildcards and ! negations, @cert-authority and
// @revoked lines; a missing file is empty, a line that cannot be used is
// skipped with a Warning, and a key known for the host without its port
// is accepted for a port other than 22. A file that cannot be read fails
// the checks that use it (OpenSSH skips it: pssh would rather not miss a
// changed key).
//
// Each file is read once into a Store shared by the DBs, with an index of
// plain host names: a check costs a map lookup plus one try per line with a
// wildcard or a hashed name.
//
// Appending is safe under concurrency: within the process the Store
// serializes the appends to a file, and across processes (and DBs) every
// append holds an exclusive flock on the file and re-reads it first if it
// changed, so a host added meanwhile is not added twice.
package knownhosts

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Policy says what to do with a host that is not in known_hosts, as
// OpenSSH's StrictHostKeyChecking. A changed or revoked key is an error
// under every policy.
type Policy int

const (
	// Strict refuses unknown hosts ("yes").
	Strict Policy = iota
	// AcceptNew accepts an unknown host's key and appends it to the first
	// file ("accept-new": trust on first use).
	AcceptNew
	// Insecure accepts an unknown host's key without recording it ("no").
	Insecure
)

// Options describe a DB.
type Options struct {
	// Files are the known_hosts files to read; those missing are empty.
	// Under AcceptNew the first is the one new keys are appended to; it is
	// created (mode 0600, its directory 0700) if missing.
	Files  []string
	Policy Policy
	// Hash writes host names hashed ("|1|salt|hash"), as OpenSSH's
	// HashKnownHosts.
	Hash bool
	// Store holds the files as read; nil gives the DB a store of its own.
	Store *Store
}

// Target is what a host is looked up as.
type Target struct {
	// Addr is the address dialled, "host:port": looked up as "host" for
	// port 22 and "[host]:port" for the others, as OpenSSH does.
	Addr string
	// Alias, if set, is looked up instead of Addr, as is (OpenSSH's
	// HostKeyAlias); a certificate's principals are checked against it.
	Alias string
}

// names returns the name to look t up as, and for a port other than 22
// without an alias the plain host name whose lines are also accepted
// ("" otherwise); principal is the name a host certificate must name.
func (t Target) names() (name, fallback, principal string) {
	if t.Alias != "" {
		a := strings.ToLower(t.Alias)
		return a, "", a
	}
	host, port, err := net.SplitHostPort(t.Addr)
	if err != nil {
		host, port = t.Addr, "22"
	}
	host = strings.ToLower(host)
	if port == "22" {
		return host, "", host
	}
	return "[" + host + "]:" + port, host, host
}

// Line is one line of a known_hosts file.
type Line struct {
	File string
	Line int // 1-based
	Text string
}

func (l Line) String() string { return fmt.Sprintf("%s:%d: %s", l.File, l.Line, l.Text) }

// KeyError is returned by [DB.Check] for a key it refuses.
type KeyError struct {
	Host    string        // the name looked up: "host", "[host]:port" for ports other than 22, or the alias
	Key     ssh.PublicKey // the key the server offered
	Unknown bool          // the host is in no known_hosts file
	Revoked bool          // the key (or the CA that signed it) is marked @revoked
	Known   []Line        // the lines that disagree with the key (changed key), or the @revoked line
	Files   []string      // the files looked in
	Err     error         // the underlying error, if any (e.g. an invalid certificate)
}

func (e *KeyError) Error() string {
	fp := keyDesc(e.Key)
	switch {
	case e.Revoked:
		return fmt.Sprintf("knownhosts: %s offered %s, which is revoked (%s)", e.Host, fp, joinLines(e.Known))
	case e.Unknown:
		return fmt.Sprintf("knownhosts: %s is unknown (it offered %s)", e.Host, fp)
	case len(e.Known) > 0:
		return fmt.Sprintf("knownhosts: %s offered %s, which is not the key known_hosts has (%s)", e.Host, fp, joinLines(e.Known))
	}
	return fmt.Sprintf("knownhosts: %s offered %s: %v", e.Host, fp, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

func keyDesc(k ssh.PublicKey) string {
	if k == nil {
		return "no key"
	}
	return k.Type() + " key " + Fingerprint(k)
}

// Fingerprint returns the SHA256 fingerprint of k as OpenSSH shows it
// ("SHA256:..."); for a certificate, that of the certified key.
func Fingerprint(k ssh.PublicKey) string {
	if c, ok := k.(*ssh.Certificate); ok {
		k = c.Key
	}
	return ssh.FingerprintSHA256(k)
}

func joinLines(ls []Line) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	return strings.Join(s, "; ")
}

// DB is a list of known_hosts files under a policy. It is safe for
// concurrent use.
type DB struct {
	opts  Options
	files []*file
}

// Open returns a DB over the files, reading those its Store has not read
// yet. A file that cannot be read is not an error here: it fails the
// checks, each with a *FileError.
func Open(opts Options) (*DB, error) {
	if opts.Policy < Strict || opts.Policy > Insecure {
		return nil, fmt.Errorf("knownhosts: unknown policy %d", opts.Policy)
	}
	if opts.Policy == AcceptNew && len(opts.Files) == 0 {
		return nil, errors.New("knownhosts: accept-new needs a file to append to")
	}
	opts.Files = slices.Clone(opts.Files)
	if opts.Store == nil {
		opts.Store = &Store{}
	}
	db := &DB{opts: opts}
	for _, name := range opts.Files {
		db.files = append(db.files, opts.Store.file(name))
	}
	return db, nil
}

// Files returns the files read, the first being the one appended to under
// AcceptNew.
func (db *DB) Files() []string { return slices.Clone(db.opts.Files) }

// HostKeyCallback returns Check, for the address dialled, as an
// ssh.HostKeyCallback.
func (db *DB) HostKeyCallback() ssh.HostKeyCallback {
	return func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		return db.Check(Target{Addr: hostname}, key)
	}
}

// Check checks key for t under the DB's policy. It returns nil, a
// *KeyError, or a *FileError when a file could not be read.
func (db *DB) Check(t Target, key ssh.PublicKey) error {
	err := db.verify(t, key)
	if !isUnknown(err) {
		return err
	}
	// Another process may have added the host since the files were read.
	if db.reloadChanged() {
		if err = db.verify(t, key); !isUnknown(err) {
			return err
		}
	}
	switch db.opts.Policy {
	case Insecure:
		return nil
	case AcceptNew:
		return db.appendKey(t, key)
	}
	return err
}

func isUnknown(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke) && ke.Unknown
}

// lookup returns the lines of every file that name host.
func (db *DB) lookup(host string) ([]*entry, error) {
	var out []*entry
	for _, f := range db.files {
		var err error
		if out, err = f.lookup(host, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reloadChanged reads again the files that changed since they were read,
// and tells whether any did.
func (db *DB) reloadChanged() bool {
	any := false
	for _, f := range db.files {
		if f.changed() {
			f.reloadIfChanged()
			any = true
		}
	}
	return any
}

// verify checks key for t against the files as read, as ssh(1) does: a
// revoked key is refused; a certificate signed by a @cert-authority of the
// host must be valid for it, and one signed by no such authority is
// checked as its plain key; a plain key must be one of the host's, and is
// changed when the host has others; for a port other than 22, a key the
// host has without the port is accepted.
func (db *DB) verify(t Target, key ssh.PublicKey) error {
	name, fallback, principal := t.names()
	keyErr := func(e *KeyError) *KeyError {
		e.Host, e.Key, e.Files = name, key, db.Files()
		return e
	}
	lines, err := db.lookup(name)
	if err != nil {
		return err
	}
	if l, ok := revoked(lines, key); ok {
		return keyErr(&KeyError{Revoked: true, Known: []Line{l}})
	}
	plain := key
	if cert, ok := key.(*ssh.Certificate); ok {
		if hasCA(lines, cert) {
			if err := checkCert(cert, principal); err != nil {
				return keyErr(&KeyError{Err: err})
			}
			return nil
		}
		plain = cert.Key // no authority of the host signed it: as ssh, check the plain key
	}
	var known []Line
	blob := string(plain.Marshal())
	for _, e := range lines {
		if e.marker == markNone {
			if e.blob == blob {
				return nil
			}
			known = append(known, e.line)
		}
	}
	if len(known) > 0 {
		return keyErr(&KeyError{Known: known})
	}
	if fallback != "" {
		// ssh(1): "found matching key w/out port".
		lines, err := db.lookup(fallback)
		if err != nil {
			return err
		}
		if l, ok := revoked(lines, key); ok {
			return keyErr(&KeyError{Revoked: true, Known: []Line{l}})
		}
		if cert, ok := key.(*ssh.Certificate); ok && hasCA(lines, cert) && checkCert(cert, principal) == nil {
			return nil
		}
		for _, e := range lines {
			if e.marker == markNone && e.blob == blob {
				return nil
			}
		}
	}
	return keyErr(&KeyError{Unknown: true})
}

// revoked returns the @revoked line among lines of key or, for a
// certificate, of the key it certifies or the CA that signed it.
func revoked(lines []*entry, key ssh.PublicKey) (Line, bool) {
	blobs := []string{string(key.Marshal())}
	if c, ok := key.(*ssh.Certificate); ok {
		blobs = append(blobs, string(c.Key.Marshal()), string(c.SignatureKey.Marshal()))
	}
	for _, e := range lines {
		if e.marker == markRevoked && slices.Contains(blobs, e.blob) {
			return e.line, true
		}
	}
	return Line{}, false
}

// hasCA tells whether one of lines is a @cert-authority line of the CA
// that signed cert.
func hasCA(lines []*entry, cert *ssh.Certificate) bool {
	ca := string(cert.SignatureKey.Marshal())
	return slices.ContainsFunc(lines, func(e *entry) bool { return e.marker == markCA && e.blob == ca })
}

// checkCert checks a host certificate whose CA is trusted: type, validity
// period, principal, signature.
func checkCert(cert *ssh.Certificate, principal string) error {
	checker := &ssh.CertChecker{IsHostAuthority: func(ssh.PublicKey, string) bool { return true }}
	return checker.CheckHostKey(net.JoinHostPort(principal, "22"), nil, cert)
}

// appendKey appends a line for t to the first file, unless the file, read
// again under its lock if it changed, has the host by then.
func (db *DB) appendKey(t Target, key ssh.PublicKey) error {
	name, _, _ := t.names()
	if c, ok := key.(*ssh.Certificate); ok {
		key = c.Key // no authority vouches for it: ssh records the plain key
	}
	f := db.files[0]
	lf, err := openLocked(f.name)
	if err != nil {
		return fmt.Errorf("knownhosts: recording the key of %s: %w", name, err)
	}
	defer lf.close()
	// Another DB of this process, or another process, may have added the
	// host since: look again under the lock.
	if f.changed() {
		f.reloadIfChanged()
	}
	if err := db.verify(t, key); !isUnknown(err) {
		return err
	}
	host := name
	if db.opts.Hash {
		salt := make([]byte, 20)
		rand.Read(salt)
		host = hashName(name, salt)
	}
	text := host + " " + key.Type() + " " + base64Key(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := lf.appendLine(text); err != nil {
		return fmt.Errorf("knownhosts: recording the key of %s in %s: %w", name, f.name, err)
	}
	st, err := lf.state()
	if err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	// What the file now holds is what was read plus this line (a last
	// line without its newline was completed first and keeps its number):
	// no need to read it again.
	f.state, f.lines = st, f.lines+1
	f.index(&entry{
		patterns: []pattern{{text: name, literal: true}},
		key:      key, blob: string(key.Marshal()),
		line: Line{File: f.name, Line: f.lines, Text: text},
	})
	return nil
}

func base64Key(k ssh.PublicKey) string {
	s := string(ssh.MarshalAuthorizedKey(k))
	s = strings.TrimSuffix(s, "\n")
	return s[strings.IndexByte(s, ' ')+1:]
}

// HostKeyAlgorithms returns the host key algorithms of allowed (all that
// x/crypto/ssh deems secure when nil) to ask t for, in order of
// preference, as OpenSSH orders them: every allowed certificate algorithm
// first when a @cert-authority line matches the host (the CA's type says
// nothing of the host key's), then those of the keys known for the host,
// then the other allowed plain key algorithms, in allowed's order. So a
// server with several host keys offers the known one (golang/go#29286),
// and a server with one key of another type still gets to show it, to be
// reported as a changed key. Certificate algorithms are not asked for
// otherwise: no certificate could be verified. An algorithm not in allowed
// is never asked for, whatever known_hosts holds (an RSA key does not
// bring back SHA-1 "ssh-rsa" signatures).
func (db *DB) HostKeyAlgorithms(t Target, allowed []string) []string {
	name, fallback, _ := t.names()
	lines, _ := db.lookup(name)
	if fallback != "" {
		more, _ := db.lookup(fallback)
		lines = append(lines, more...)
	}
	var known []string
	ca := false
	for _, e := range lines {
		switch e.marker {
		case markCA:
			ca = true
		case markNone:
			known = append(known, algorithmsFor(e.key.Type())...)
		}
	}
	if allowed == nil {
		allowed = ssh.SupportedAlgorithms().HostKeys
	}
	var algos []string
	if ca {
		for _, a := range allowed {
			if isCertAlgo(a) {
				algos = append(algos, a)
			}
		}
	}
	for _, a := range known {
		if slices.Contains(allowed, a) {
			algos = append(algos, a)
		}
	}
	for _, a := range allowed {
		if !isCertAlgo(a) {
			algos = append(algos, a)
		}
	}
	return dedup(algos)
}

func isCertAlgo(a string) bool { return strings.Contains(a, "-cert-") }

// algorithmsFor returns the signature algorithms for a key type.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

func dedup(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
