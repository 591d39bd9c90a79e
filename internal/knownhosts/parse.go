package knownhosts

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/gopssh/pssh/internal/wildcard"

	"golang.org/x/crypto/ssh"
)

// Parsing: a known_hosts file's text into entries, as OpenSSH reads it
// (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): blank lines and lines starting
// with # are skipped, and so is every line OpenSSH could not use, each
// with a Warning naming the file and line.

// marker is the @-keyword a line may start with.
type marker int

const (
	markNone    marker = iota
	markCA             // @cert-authority
	markRevoked        // @revoked
)

// entry is one usable line.
type entry struct {
	marker   marker
	patterns []pattern // the host patterns; nil for a hashed name
	hashed   *hashedName
	key      ssh.PublicKey
	blob     string // key.Marshal(), to compare keys
	line     Line
}

// pattern is one host pattern of a line, lowercased.
type pattern struct {
	text    string
	negated bool
	literal bool // no wildcard: matched by equality
}

// Warning is a line skipped because it cannot be used.
type Warning struct {
	File string
	Line int // 1-based
	Text string
}

func (w Warning) String() string { return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Text) }

// parse reads the entries of a file's contents, a warning for each line
// skipped, and the number of lines.
func parse(file string, data []byte) ([]*entry, []Warning, int) {
	var entries []*entry
	var warnings []Warning
	n := 0
	for len(data) > 0 {
		n++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		text := strings.TrimRight(string(raw), "\r")
		e, err := parseLine(text)
		if err != nil {
			warnings = append(warnings, Warning{File: file, Line: n, Text: err.Error()})
			continue
		}
		if e != nil {
			e.line = Line{File: file, Line: n, Text: strings.TrimSpace(text)}
			entries = append(entries, e)
		}
	}
	return entries, warnings, n
}

// parseLine parses one line: nil for a blank line or a comment, an error
// for a line that cannot be used.
func parseLine(text string) (*entry, error) {
	f := strings.Fields(text)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return nil, nil
	}
	e := &entry{}
	if strings.HasPrefix(f[0], "@") {
		switch strings.ToLower(f[0]) {
		case "@cert-authority":
			e.marker = markCA
		case "@revoked":
			e.marker = markRevoked
		default:
			return nil, fmt.Errorf("unknown marker %q (want @cert-authority or @revoked)", f[0])
		}
		f = f[1:]
	}
	if len(f) < 3 {
		return nil, errors.New("want host patterns, a key type and a key")
	}
	if strings.HasPrefix(f[0], "|") {
		salt, hash, err := parseHashed(f[0])
		if err != nil {
			return nil, err
		}
		e.hashed = newHashedName(salt, hash)
	} else {
		for _, p := range strings.Split(f[0], ",") {
			if p == "" || p == "!" {
				continue
			}
			pat := pattern{text: strings.ToLower(p)}
			if strings.HasPrefix(pat.text, "!") {
				pat.negated, pat.text = true, pat.text[1:]
			}
			pat.literal = !strings.ContainsAny(pat.text, "*?")
			e.patterns = append(e.patterns, pat)
		}
		if len(e.patterns) == 0 {
			return nil, fmt.Errorf("no host pattern in %q", f[0])
		}
	}
	key, err := parseKey(f[1], f[2])
	if err != nil {
		return nil, err
	}
	e.key, e.blob = key, string(key.Marshal())
	return e, nil
}

// parseHashed parses a hashed host name, "|1|base64 salt|base64 hash".
func parseHashed(s string) (salt, hash []byte, err error) {
	parts := strings.Split(s, "|")
	if len(parts) != 4 || parts[0] != "" || parts[1] != "1" {
		return nil, nil, fmt.Errorf("bad hashed host name %q (want |1|salt|hash)", s)
	}
	if salt, err = base64.StdEncoding.DecodeString(parts[2]); err != nil {
		return nil, nil, fmt.Errorf("bad hashed host name: salt: %w", err)
	}
	if hash, err = base64.StdEncoding.DecodeString(parts[3]); err != nil || len(hash) != sha1.Size {
		return nil, nil, fmt.Errorf("bad hashed host name %q: the hash is not a SHA-1 in base64", s)
	}
	return salt, hash, nil
}

// parseKey parses the key type and base64 key fields.
func parseKey(typ, b64 string) (ssh.PublicKey, error) {
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("bad %s key: %w", typ, err)
	}
	key, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, fmt.Errorf("bad %s key: %w", typ, err)
	}
	if key.Type() != typ {
		return nil, fmt.Errorf("the key is of type %s, the line says %s", key.Type(), typ)
	}
	return key, nil
}

// matches tells whether the line names host (a lookup name, lowercased),
// as OpenSSH's match_hostname: a hashed name is equal to it, or one of the
// patterns matches it and no negated pattern does. h hashes host for
// hashed names; it may be nil when there are none.
func (e *entry) matches(host string, h *hmacSHA1) bool {
	if e.hashed != nil {
		return e.hashed.is(host, h)
	}
	found := false
	for _, p := range e.patterns {
		if p.match(host) {
			if p.negated {
				return false
			}
			found = true
		}
	}
	return found
}

func (p pattern) match(s string) bool {
	if p.literal {
		return p.text == s
	}
	return wildcard.Match(s, p.text)
}

// hashName returns name hashed as OpenSSH's HashKnownHosts writes it, with
// a fresh salt.
func hashName(name string, salt []byte) string {
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(name))
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
