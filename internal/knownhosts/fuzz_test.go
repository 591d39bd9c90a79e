package knownhosts

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// FuzzCheck loads a known_hosts file made of the input and checks a fixed
// key, and a host certificate signed by it, against a few hosts: nothing
// panics, every line that cannot be used is a warning naming the file and
// line, and Check returns nil or a *KeyError under Strict and AcceptNew.
func FuzzCheck(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		f.Fatal(err)
	}
	key := signer.PublicKey()
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	hostSigner, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1)))
	if err != nil {
		f.Fatal(err)
	}
	cert := &ssh.Certificate{Key: hostSigner.PublicKey(), CertType: ssh.HostCert,
		ValidPrincipals: []string{"example.com", "10.0.0.1"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, signer); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"example.com " + line + "\n",
		"example.com,10.0.0.1 " + line + " comment\n",
		"[example.com]:2222 " + line + "\n",
		"*.com " + line + "\n",
		"!example.com,* " + line + "\n",
		"@cert-authority *.com " + line + "\n",
		"@revoked * " + line + "\n",
		"|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= " + line + "\n",
		"|1|bad|base64 " + line + "\n",
		"example.com ssh-ed25519 AAAA\n",
		"example.com ssh-ed25519\n",
		"# comment\n\n   \n",
		"@bogus example.com " + line + "\n",
		"[::1]:22 " + line + "\n",
		"[example.com " + line + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 4000 {
			return
		}
		name := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(data, "\n") + 1
		for _, policy := range []Policy{Strict, AcceptNew} {
			store := &Store{}
			db, err := Open(Options{Files: []string{name}, Policy: policy, Hash: policy == AcceptNew, Store: store})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			// Lines that cannot be used are skipped, each with a warning
			// naming the file and line.
			for _, w := range store.Warnings() {
				if w.File != name || w.Line < 1 || w.Line > lines || w.Text == "" {
					t.Fatalf("warning %+v does not name a line of the file", w)
				}
			}
			for _, host := range []string{"example.com:22", "example.com:2222", "10.0.0.1:22", "[::1]:22", "other.org:22"} {
				for _, k := range []ssh.PublicKey{key, cert} {
					if err := db.Check(Target{Addr: host}, k); err != nil {
						var ke *KeyError
						if !errors.As(err, &ke) {
							t.Fatalf("Check(%s): error %v (%T) is not a *KeyError", host, err, err)
						}
						_ = err.Error()
					}
				}
				db.HostKeyAlgorithms(Target{Addr: host}, nil)
			}
		}
	})
}
