package sshtest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := k.PublicKey().Type(); got != ssh.KeyAlgoED25519 {
		t.Errorf("key type = %q, want %q", got, ssh.KeyAlgoED25519)
	}

	ak := k.AuthorizedKey()
	if !bytes.HasPrefix(ak, []byte("ssh-ed25519 AAAA")) || !bytes.HasSuffix(ak, []byte("\n")) || bytes.Count(ak, []byte("\n")) != 1 {
		t.Errorf("AuthorizedKey() = %q, want one ssh-ed25519 line", ak)
	}
	parsed, _, _, _, err := ssh.ParseAuthorizedKey(ak)
	if err != nil || !bytes.Equal(parsed.Marshal(), k.PublicKey().Marshal()) {
		t.Errorf("AuthorizedKey() does not parse back to the key: %v", err)
	}

	if !strings.HasPrefix(string(k.PEM), "-----BEGIN OPENSSH PRIVATE KEY-----\n") {
		t.Errorf("PEM = %q, want OpenSSH format", k.PEM)
	}
	signer, err := ssh.ParsePrivateKey(k.PEM)
	if err != nil || !bytes.Equal(signer.PublicKey().Marshal(), k.PublicKey().Marshal()) {
		t.Errorf("PEM does not parse back to the key: %v", err)
	}

	other, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other.PublicKey().Marshal(), k.PublicKey().Marshal()) {
		t.Error("two generated keys are equal")
	}
}

func TestEncryptedPEM(t *testing.T) {
	t.Parallel()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := k.EncryptedPEM([]byte("open sesame"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(enc, k.PEM) {
		t.Fatal("EncryptedPEM returned the unencrypted key")
	}

	var missing *ssh.PassphraseMissingError
	if _, err := ssh.ParsePrivateKey(enc); !errors.As(err, &missing) {
		t.Errorf("parsing without passphrase: err = %v, want PassphraseMissingError", err)
	}
	tests := []struct {
		passphrase string
		wantErr    bool
	}{
		{"open sesame", false},
		{"wrong", true},
	}
	for _, tt := range tests {
		signer, err := ssh.ParsePrivateKeyWithPassphrase(enc, []byte(tt.passphrase))
		if (err != nil) != tt.wantErr {
			t.Errorf("passphrase %q: err = %v, wantErr %v", tt.passphrase, err, tt.wantErr)
		}
		if err == nil && !bytes.Equal(signer.PublicKey().Marshal(), k.PublicKey().Marshal()) {
			t.Errorf("passphrase %q: decrypted a different key", tt.passphrase)
		}
	}
}
