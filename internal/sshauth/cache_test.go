package sshauth

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopssh/pssh/internal/keygen"
	"golang.org/x/crypto/ssh"
)

// A key given once for a client is parsed (and, encrypted, decrypted: about
// 0.1 s of CPU each) once, however many hosts derive a Set with it, e.g. for
// per-host passwords.
func TestDeriveReusesParsedKeys(t *testing.T) {
	priv, err := keygen.New(ssh.KeyAlgoED25519)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := keygen.PEM(priv, []byte("pp"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), enc, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  Options
	}{
		{"key bytes", Options{Keys: []Key{{PEM: enc, Passphrase: []byte("pp")}}}},
		{"default identity", Options{DefaultKeys: true, HomeDir: home, Passphrase: []byte("pp")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := range 3 {
				opt := tt.opt
				opt.Password = "host password"
				d, err := s.Derive(opt)
				if err != nil {
					t.Fatal(err)
				}
				if len(d.keys) != 1 || len(s.keys) != 1 || d.keys[0].signer != s.keys[0].signer {
					t.Fatalf("derived Set %d parsed the key again", i)
				}
			}
			// Another passphrase is another parse, and fails.
			opt := tt.opt
			opt.Passphrase = []byte("other")
			opt.Keys = slices.Clone(opt.Keys)
			for i := range opt.Keys {
				opt.Keys[i].Passphrase = opt.Passphrase
			}
			if d, err := s.Derive(opt); err == nil && len(d.keys) != 0 {
				t.Fatal("the wrong passphrase got the cached key")
			}
		})
	}
}
