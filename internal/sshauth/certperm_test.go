package sshauth_test

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/sshauth"
)

// signCert writes an OpenSSH user certificate for k, signed by ca, to path.
func signCert(t *testing.T, ca ssh.Signer, pub ssh.PublicKey, certType uint32, path string) {
	t.Helper()
	cert := &ssh.Certificate{Key: pub, CertType: certType, KeyId: "test", ValidPrincipals: []string{"tester"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, ssh.MarshalAuthorizedKey(cert), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCertificates(t *testing.T) {
	ca, user, other := newKey(t), newKey(t), newKey(t)
	tests := []struct {
		name    string
		cert    string // file name under dir of the certificate, "" for none
		certFor *ssh.PublicKey
		host    bool // a host certificate
		option  bool // given as Key.CertPath
		tried   []string
		err     string // New's error
	}{
		{name: "none", tried: []string{"KEY"}},
		{name: "beside the key", cert: "key-cert.pub", tried: []string{"KEY-cert.pub", "KEY"}},
		{name: "CertPath", cert: "elsewhere.pub", option: true, tried: []string{"CERT", "KEY"}},
		{name: "missing CertPath", option: true, err: "no such file"},
		{name: "certificate of another key", cert: "key-cert.pub", certFor: ptr(other.PublicKey()), err: "certificate"},
		{name: "host certificate", cert: "key-cert.pub", host: true, err: "host certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath := writeFile(t, filepath.Join(dir, "key"), user.PEM)
			certPath := filepath.Join(dir, firstNonEmpty(tt.cert, "missing.pub"))
			if tt.cert != "" {
				pub := user.PublicKey()
				if tt.certFor != nil {
					pub = *tt.certFor
				}
				kind := uint32(ssh.UserCert)
				if tt.host {
					kind = ssh.HostCert
				}
				signCert(t, ca.Signer, pub, kind, certPath)
			}
			k := sshauth.Key{Path: keyPath}
			if tt.option {
				k.CertPath = certPath
			}
			s, err := sshauth.New(sshauth.Options{Keys: []sshauth.Key{k}})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("New: %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var want []string
			for _, w := range tt.tried {
				want = append(want, strings.NewReplacer("KEY", keyPath, "CERT", certPath).Replace(w))
			}
			if !slices.Equal(s.Tried(), want) {
				t.Fatalf("Tried %q, want %q", s.Tried(), want)
			}
			// Logging in with the certificate: TestOpenSSHCertificateAuth.
		})
	}
}

func ptr[T any](v T) *T { return &v }

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func TestKeyPermissions(t *testing.T) {
	k := newKey(t)
	for _, mode := range []os.FileMode{0o600, 0o400, 0o640, 0o604, 0o644, 0o660, 0o700} {
		home := t.TempDir()
		path := writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), k.PEM)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		tooOpen := mode&0o077 != 0
		// Explicit key: an error naming the file and the fix.
		_, err := sshauth.New(sshauth.Options{Keys: []sshauth.Key{{Path: path}}, HomeDir: home})
		var pe *sshauth.PermissionError
		if tooOpen != errors.As(err, &pe) || tooOpen && !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %#o explicit: %v", mode, err)
		}
		// Default key: skipped, with the reason.
		s, err := sshauth.New(sshauth.Options{DefaultKeys: true, HomeDir: home})
		if err != nil {
			t.Fatal(err)
		}
		offered := slices.Contains(s.Tried(), "~/.ssh/id_ed25519")
		skipped := len(s.Skipped()) == 1 && strings.Contains(s.Skipped()[0], "chmod 600 ~/.ssh/id_ed25519")
		if offered == tooOpen || skipped != tooOpen {
			t.Errorf("mode %#o default: tried %q, skipped %q", mode, s.Tried(), s.Skipped())
		}
		s.Close()
	}
}

func TestSkippedDefaultKeys(t *testing.T) {
	k := newKey(t)
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), encrypted(t, k, "right"))
	writeFile(t, filepath.Join(home, ".ssh", "id_ecdsa"), []byte("junk"))
	s, err := sshauth.New(sshauth.Options{DefaultKeys: true, HomeDir: home, Passphrase: []byte("wrong-secret")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := strings.Join(s.Skipped(), "\n")
	if !strings.Contains(got, "~/.ssh/id_ed25519: wrong passphrase") || !strings.Contains(got, "~/.ssh/id_ecdsa") || strings.Contains(got, "wrong-secret") {
		t.Fatalf("Skipped %q", s.Skipped())
	}
}
