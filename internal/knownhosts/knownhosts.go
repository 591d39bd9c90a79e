// Package knownhosts checks SSH host keys against OpenSSH known_hosts files
// and, under the accept-new policy, appends the keys of new hosts to one of
// them. It reads what OpenSSH writes (plain and hashed host names, the
// "[host]:port" form, wildcards, @cert-authority and @revoked lines) through
// github.com/skeema/knownhosts, a wrapper of golang.org/x/crypto's
// knownhosts that also tells the key types known for a host, so that host
// key algorithms can be negotiated toward them.
//
// Appending is safe under concurrency: within the process one DB serializes
// its appends, and across processes (and DBs) every append holds an
// exclusive flock on the file and re-reads it first, so a host added
// meanwhile is not added twice.
package knownhosts

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	skeema "github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
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
	// Files are the known_hosts files to read. Under AcceptNew the first is
	// the one new keys are appended to; it is created (mode 0600, its
	// directory 0700) if missing.
	Files []string
	// IgnoreMissing skips files that do not exist (for the default files);
	// otherwise a missing file is an error, except the first under
	// AcceptNew.
	IgnoreMissing bool
	Policy        Policy
	// Hash writes host names hashed ("|1|salt|hash"), as OpenSSH's
	// HashKnownHosts.
	Hash bool
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
	Host    string        // the host as checked, normalized ("[host]:port" for ports other than 22)
	Key     ssh.PublicKey // the key the server offered
	Unknown bool          // the host is in no known_hosts file
	Revoked bool          // the key (or the CA that signed it) is marked @revoked
	Known   []Line        // the lines that disagree with the key (changed key), or the @revoked line
	Err     error         // the underlying error, if any (e.g. a *knownhosts.KeyError from x/crypto)
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

// DB is a set of known_hosts files. It is safe for concurrent use.
type DB struct {
	opts Options

	mu sync.Mutex
	// hostKeyCheck is x/crypto's callback and algos skeema's DB over the files
	// that exist; both nil when none does.
	hostKeyCheck ssh.HostKeyCallback
	algos        *skeema.HostKeyDB
	lines        map[string][]string  // file -> its lines
	revoked      map[string]Line      // key blob -> its @revoked line
	stats        map[string]fileState // the files as they were when read
	// wildcard holds "file:line" of the lines whose host patterns have
	// wildcards and no port, and wildcardCA the key blobs of such
	// @cert-authority lines: OpenSSH applies them to every port.
	wildcard   map[string]bool
	certLine   map[string]bool // "file:line" of @cert-authority lines
	wildcardCA map[string]bool
	accepted   map[string][]acceptedKey // normalized host -> keys appended in this run
}

type acceptedKey struct {
	key  ssh.PublicKey
	line Line
}

// fileState identifies a version of a file, to tell whether it changed.
type fileState struct {
	exists bool
	info   os.FileInfo
}

func statFile(name string) (fileState, error) {
	fi, err := os.Stat(name)
	if errors.Is(err, os.ErrNotExist) {
		return fileState{}, nil
	}
	if err != nil {
		return fileState{}, err
	}
	return fileState{exists: true, info: fi}, nil
}

func (s fileState) same(o fileState) bool {
	if s.exists != o.exists {
		return false
	}
	if !s.exists {
		return true
	}
	return os.SameFile(s.info, o.info) && s.info.Size() == o.info.Size() && s.info.ModTime().Equal(o.info.ModTime())
}

// Open reads the files.
func Open(opts Options) (*DB, error) {
	if opts.Policy < Strict || opts.Policy > Insecure {
		return nil, fmt.Errorf("knownhosts: unknown policy %d", opts.Policy)
	}
	if opts.Policy == AcceptNew && len(opts.Files) == 0 {
		return nil, errors.New("knownhosts: accept-new needs a file to append to")
	}
	opts.Files = slices.Clone(opts.Files)
	db := &DB{opts: opts, accepted: make(map[string][]acceptedKey)}
	if err := db.load(); err != nil {
		return nil, err
	}
	return db, nil
}

// Files returns the files read, the first being the one appended to under
// AcceptNew.
func (db *DB) Files() []string { return slices.Clone(db.opts.Files) }

// load (re)reads every file. db.mu is held, or db is not shared yet.
func (db *DB) load() error {
	lines := make(map[string][]string)
	revoked := make(map[string]Line)
	stats := make(map[string]fileState)
	wildcard, certLine, wildcardCA := make(map[string]bool), make(map[string]bool), make(map[string]bool)
	var existing []string
	for i, name := range db.opts.Files {
		st, err := statFile(name)
		if err != nil {
			return fmt.Errorf("knownhosts: %w", err)
		}
		data, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			if db.opts.IgnoreMissing || (i == 0 && db.opts.Policy == AcceptNew) {
				stats[name] = fileState{}
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("knownhosts: %w", err)
		}
		stats[name] = st
		existing = append(existing, name)
		text := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) == 0 {
			text = nil
		}
		lines[name] = text
		for n, l := range text {
			marker, hosts, key := parseLine(l)
			pos := fmt.Sprintf("%s:%d", name, n+1)
			switch {
			case key == nil:
				continue
			case marker == "@revoked":
				revoked[string(key.Marshal())] = Line{File: name, Line: n + 1, Text: strings.TrimSpace(l)}
				continue
			case marker == "@cert-authority":
				certLine[pos] = true
			}
			if hasWildcard(hosts) {
				wildcard[pos] = true
				if marker == "@cert-authority" {
					wildcardCA[string(key.Marshal())] = true
				}
			}
		}
	}
	var cb ssh.HostKeyCallback
	var algos *skeema.HostKeyDB
	if len(existing) > 0 {
		var err error
		// Their errors start with "knownhosts: " and name the file and line.
		if cb, err = xknownhosts.New(existing...); err != nil {
			return err
		}
		if algos, err = skeema.NewDB(existing...); err != nil {
			return err
		}
	}
	db.hostKeyCheck, db.algos, db.lines, db.revoked, db.stats = cb, algos, lines, revoked, stats
	db.wildcard, db.certLine, db.wildcardCA = wildcard, certLine, wildcardCA
	return nil
}

// hasWildcard tells whether a host pattern list has a pattern with a
// wildcard and no port.
func hasWildcard(hosts string) bool {
	for _, p := range strings.Split(hosts, ",") {
		if strings.ContainsAny(p, "*?") && !strings.Contains(p, "]:") {
			return true
		}
	}
	return false
}

// parseLine returns the marker ("@revoked", "@cert-authority" or ""),
// host patterns and key of a known_hosts line, or a nil key.
func parseLine(line string) (marker, hosts string, key ssh.PublicKey) {
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasPrefix(f[0], "@") {
		marker, f = f[0], f[1:]
	}
	if len(f) < 3 || strings.HasPrefix(f[0], "#") {
		return "", "", nil
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.Join(f[1:], " ")))
	if err != nil {
		return "", "", nil
	}
	return marker, f[0], key
}

// changed reports whether any file differs from when it was read.
func (db *DB) changed() (bool, error) {
	for _, name := range db.opts.Files {
		st, err := statFile(name)
		if err != nil {
			return false, fmt.Errorf("knownhosts: %w", err)
		}
		if !st.same(db.stats[name]) {
			return true, nil
		}
	}
	return false, nil
}

// HostKeyCallback returns Check as an ssh.HostKeyCallback.
func (db *DB) HostKeyCallback() ssh.HostKeyCallback { return db.Check }

// Check checks key for hostname ("host:port", as dialled) under the DB's
// policy. It returns nil or a *KeyError.
func (db *DB) Check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	host := xknownhosts.Normalize(hostname)
	if remote == nil {
		remote = &net.TCPAddr{IP: net.IPv4zero}
	}
	err := db.check(host, hostname, remote, key)
	if !isUnknown(err) {
		return err
	}
	// Another process may have added the host since the files were read.
	if changed, cerr := db.changed(); cerr != nil {
		return cerr
	} else if changed {
		if lerr := db.load(); lerr != nil {
			return lerr
		}
		if err = db.check(host, hostname, remote, key); !isUnknown(err) {
			return err
		}
	}
	switch db.opts.Policy {
	case Insecure:
		return nil
	case AcceptNew:
		return db.appendKey(host, hostname, remote, key)
	}
	return err
}

func isUnknown(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke) && ke.Unknown
}

// check checks key against what was read and accepted; db.mu is held.
func (db *DB) check(host, hostname string, remote net.Addr, key ssh.PublicKey) error {
	if l, ok := db.isRevoked(key); ok {
		return &KeyError{Host: host, Key: key, Revoked: true, Known: []Line{l}}
	}
	var known []Line
	var xerr error // x/crypto's *knownhosts.KeyError, kept as the cause
	if db.hostKeyCheck != nil {
		err := db.lookup(hostname, remote, key)
		if err == nil {
			return nil
		}
		var ke *xknownhosts.KeyError
		var re *xknownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			l := db.line(re.Revoked.Filename, re.Revoked.Line)
			return &KeyError{Host: host, Key: key, Revoked: true, Known: []Line{l}, Err: err}
		case errors.As(err, &ke):
			xerr = err
			for _, w := range ke.Want {
				known = append(known, db.line(w.Filename, w.Line))
			}
		default:
			// A certificate that no listed authority signed for this host,
			// or that is invalid (expired, wrong principal).
			return &KeyError{Host: host, Key: key, Err: err}
		}
	}
	acc := db.accepted[host]
	for _, a := range acc {
		if bytes.Equal(a.key.Marshal(), key.Marshal()) {
			return nil
		}
		known = append(known, a.line)
	}
	if len(known) > 0 {
		return &KeyError{Host: host, Key: key, Known: known, Err: xerr}
	}
	return &KeyError{Host: host, Key: key, Unknown: true, Err: xerr}
}

// lookup runs x/crypto's check, then applies wildcard lines to ports other
// than 22 as OpenSSH does (golang/go#52056). (skeema/knownhosts does this
// too, but its retry on port 22 also accepts keys of lines without
// wildcards.)
func (db *DB) lookup(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := db.hostKeyCheck(hostname, remote, key)
	if err == nil || len(db.wildcard) == 0 {
		return err
	}
	h, port, serr := net.SplitHostPort(hostname)
	if serr != nil || port == "22" {
		return err
	}
	at22 := net.JoinHostPort(h, "22")
	var ke *xknownhosts.KeyError
	if cert, ok := key.(*ssh.Certificate); ok {
		// No authority for host:port; a wildcard one may cover the host.
		if !errors.As(err, &ke) && db.wildcardCA[string(cert.SignatureKey.Marshal())] && db.hostKeyCheck(at22, remote, key) == nil {
			return nil
		}
		return err
	}
	if !errors.As(err, &ke) || len(ke.Want) > 0 {
		return err
	}
	// Every line for host:22, through a key that matches none.
	if !errors.As(db.hostKeyCheck(at22, remote, placeholderKey{}), &ke) {
		return err
	}
	var want []xknownhosts.KnownKey
	for _, w := range ke.Want {
		pos := fmt.Sprintf("%s:%d", w.Filename, w.Line)
		if db.wildcard[pos] && !db.certLine[pos] {
			if bytes.Equal(w.Key.Marshal(), key.Marshal()) {
				return nil
			}
			want = append(want, w)
		}
	}
	return &xknownhosts.KeyError{Want: want}
}

// placeholderKey matches no known_hosts line.
type placeholderKey struct{}

func (placeholderKey) Type() string                        { return "placeholder" }
func (placeholderKey) Marshal() []byte                     { return []byte("placeholder key") }
func (placeholderKey) Verify([]byte, *ssh.Signature) error { return errors.New("placeholder key") }

// isRevoked tells whether key, or for a certificate the key it certifies
// or the CA that signed it, is on a @revoked line.
func (db *DB) isRevoked(key ssh.PublicKey) (Line, bool) {
	keys := []ssh.PublicKey{key}
	if c, ok := key.(*ssh.Certificate); ok {
		keys = append(keys, c.Key, c.SignatureKey)
	}
	for _, k := range keys {
		if l, ok := db.revoked[string(k.Marshal())]; ok {
			return l, true
		}
	}
	return Line{}, false
}

// line returns line n of file as read.
func (db *DB) line(file string, n int) Line {
	l := Line{File: file, Line: n}
	if ls := db.lines[file]; n >= 1 && n <= len(ls) {
		l.Text = strings.TrimSpace(ls[n-1])
	}
	return l
}

// appendKey appends a line for host to the first file, unless the file,
// re-read under its lock, already has it. db.mu is held.
func (db *DB) appendKey(host, hostname string, remote net.Addr, key ssh.PublicKey) error {
	if c, ok := key.(*ssh.Certificate); ok {
		// Trust on first use is for plain keys: a certificate is trusted
		// through a @cert-authority line. Not offered unless one matches.
		return &KeyError{Host: host, Key: key, Err: fmt.Errorf("certificate signed by %s is not trusted by any @cert-authority line", Fingerprint(c.SignatureKey))}
	}
	name := db.opts.Files[0]
	f, err := openLocked(name)
	if err != nil {
		return fmt.Errorf("knownhosts: recording the key of %s: %w", host, err)
	}
	defer f.close()
	// The file may have changed since it was read (another process, or
	// another DB on it): read it again under the lock.
	if changed, err := db.changed(); err != nil {
		return err
	} else if changed {
		if err := db.load(); err != nil {
			return err
		}
		if err := db.check(host, hostname, remote, key); !isUnknown(err) {
			return err
		}
	}
	text := hostField(host, db.opts.Hash) + " " + key.Type() + " " + base64Key(key)
	if err := f.appendLine(text); err != nil {
		return fmt.Errorf("knownhosts: recording the key of %s in %s: %w", host, name, err)
	}
	st, err := f.state()
	if err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	// What the file now holds is what was read plus this line: no need to
	// read it again.
	db.stats[name] = st
	// (A last line without its newline was completed first: it keeps its
	// number.)
	db.lines[name] = append(db.lines[name], text)
	l := Line{File: name, Line: len(db.lines[name]), Text: text}
	db.accepted[host] = append(db.accepted[host], acceptedKey{key: key, line: l})
	return nil
}

// hostField is the host name field of a new line.
func hostField(host string, hash bool) string {
	if hash {
		return xknownhosts.HashHostname(host)
	}
	return host
}

func base64Key(k ssh.PublicKey) string {
	s := string(ssh.MarshalAuthorizedKey(k))
	s = strings.TrimSuffix(s, "\n")
	return s[strings.IndexByte(s, ' ')+1:]
}

// HostKeyAlgorithms returns the host key algorithms of allowed (all that
// x/crypto/ssh deems secure when nil) to ask hostname ("host:port") for,
// in order of preference, as OpenSSH orders them: every allowed
// certificate algorithm first when a @cert-authority line matches the host
// (the CA's type says nothing of the host key's), then those of the keys
// known for the host, then the other allowed plain key algorithms, in
// allowed's order. So a server with several host keys offers the known one
// (golang/go#29286), and a server with one key of another type still gets
// to show it, to be reported as a changed key. Certificate algorithms are
// not asked for otherwise: no certificate could be verified. An algorithm
// not in allowed is never asked for, whatever known_hosts holds (an RSA
// key does not bring back SHA-1 "ssh-rsa" signatures).
func (db *DB) HostKeyAlgorithms(hostname string, allowed []string) []string {
	db.mu.Lock()
	defer db.mu.Unlock()
	var known []string
	if db.algos != nil {
		known = db.algos.HostKeyAlgorithms(hostname)
	}
	for _, a := range db.accepted[xknownhosts.Normalize(hostname)] {
		known = append(known, algorithmsFor(a.key.Type())...)
	}
	if allowed == nil {
		allowed = ssh.SupportedAlgorithms().HostKeys
	}
	var algos []string
	if slices.ContainsFunc(known, isCertAlgo) {
		for _, a := range allowed {
			if isCertAlgo(a) {
				algos = append(algos, a)
			}
		}
	}
	for _, a := range known {
		if !isCertAlgo(a) && slices.Contains(allowed, a) {
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

// createFile opens name for appending, creating it with mode 0600 (and its
// directory with 0700) if missing.
func createFile(name string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
}
