package cluster

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// DefaultSubmitKey is where a submitter's key is kept, under the user's
// configuration directory (~/.config/pssh/submitter_ed25519).
func DefaultSubmitKey() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pssh", "submitter_ed25519"), nil
}

// LoadOrCreateKey reads the ed25519 private key in path (OpenSSH format,
// unencrypted), creating it (mode 0600, its public half in path+".pub")
// when it does not exist.
func LoadOrCreateKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("submit key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("submit key %s: %w", path, err)
	}
	if signer.PublicKey().Type() != ssh.KeyAlgoED25519 {
		return nil, fmt.Errorf("submit key %s: a %s key, not ed25519", path, signer.PublicKey().Type())
	}
	return signer, nil
}

// createKey makes a new key in path.
func createKey(path string) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "pssh submitter")
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("submit key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("submit key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		f.Close()
		return nil, fmt.Errorf("submit key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("submit key: %w", err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		return nil, fmt.Errorf("submit key: %w", err)
	}
	return signer, nil
}

// Trusted is a set of submitters' public keys.
type Trusted struct {
	keys map[string]bool // by wire form
}

// ParseTrusted reads trusted submitters' keys: one public key a line, as in
// authorized_keys ("ssh-ed25519 AAAA... comment"); blank lines and lines
// starting with # are skipped. Only ed25519 keys are accepted.
func ParseTrusted(data []byte) (*Trusted, error) {
	t := &Trusted{keys: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if key.Type() != ssh.KeyAlgoED25519 {
			return nil, fmt.Errorf("line %d: a %s key: submitters sign with ed25519", n, key.Type())
		}
		t.keys[string(key.Marshal())] = true
	}
	return t, sc.Err()
}

// LoadTrusted reads a trusted-submitters file (see ParseTrusted).
func LoadTrusted(path string) (*Trusted, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted submitters: %w", err)
	}
	t, err := ParseTrusted(data)
	if err != nil {
		return nil, fmt.Errorf("trusted submitters %s: %w", path, err)
	}
	return t, nil
}

// TrustKeys returns the set of keys.
func TrustKeys(keys ...ssh.PublicKey) *Trusted {
	t := &Trusted{keys: map[string]bool{}}
	for _, k := range keys {
		t.keys[string(k.Marshal())] = true
	}
	return t
}

// Len returns how many keys are trusted.
func (t *Trusted) Len() int {
	if t == nil {
		return 0
	}
	return len(t.keys)
}

// seal signs an item's JSON.
func seal(signer ssh.Signer, itemJSON []byte) (*envelope, error) {
	sig, err := signer.Sign(rand.Reader, itemJSON)
	if err != nil {
		return nil, err
	}
	return &envelope{
		Item:   itemJSON,
		Key:    strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))),
		Format: sig.Format,
		Sig:    sig.Blob,
	}, nil
}

// errUntrusted is the refusal of an item signed by a key not trusted.
var errUntrusted = errors.New("signed by a key not in the worker's trusted submitters")

// open checks an envelope's signature against t and returns its item's
// JSON and the signer's key.
func (t *Trusted) open(env *envelope) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(env.Key))
	if err != nil {
		return nil, fmt.Errorf("bad submitter key: %w", err)
	}
	if key.Type() != ssh.KeyAlgoED25519 || env.Format != ssh.KeyAlgoED25519 {
		return key, errors.New("not signed with ed25519")
	}
	if err := key.Verify(env.Item, &ssh.Signature{Format: env.Format, Blob: env.Sig}); err != nil {
		return key, fmt.Errorf("bad signature: %w", err)
	}
	if t == nil || !t.keys[string(key.Marshal())] {
		return key, errUntrusted
	}
	return key, nil
}
