package sshtest

import (
	"bytes"
	"errors"
	"net"
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

func TestSeveralHostKeys(t *testing.T) {
	t.Parallel()
	keys := map[string]*Key{}
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSA, ssh.KeyAlgoECDSA256} {
		k, err := GenerateKeyType(typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.PublicKey().Type(); got != typ {
			t.Fatalf("GenerateKeyType(%q) made a %q key", typ, got)
		}
		if _, err := ssh.ParsePrivateKey(k.PEM); err != nil {
			t.Fatalf("%s PEM: %v", typ, err)
		}
		keys[typ] = k
	}
	if _, err := GenerateKeyType("ssh-dss"); err == nil {
		t.Error("GenerateKeyType(ssh-dss) did not fail")
	}
	srv := startServer(t, Config{
		Password: "pw",
		HostKey:  keys[ssh.KeyAlgoED25519].Signer,
		HostKeys: []ssh.Signer{keys[ssh.KeyAlgoRSA].Signer, keys[ssh.KeyAlgoECDSA256].Signer},
	})
	// The client's preference picks which of the server's keys is used.
	tests := []struct {
		algo, keyType string
	}{
		{ssh.KeyAlgoED25519, ssh.KeyAlgoED25519},
		{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA},
		{ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA256},
	}
	for _, tt := range tests {
		var got ssh.PublicKey
		cfg := &ssh.ClientConfig{
			User:              "u",
			Auth:              []ssh.AuthMethod{ssh.Password("pw")},
			HostKeyAlgorithms: []string{tt.algo},
			HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
				got = key
				return nil
			},
		}
		c, err := ssh.Dial("tcp", srv.Addr, cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.algo, err)
		}
		c.Close()
		if !bytes.Equal(got.Marshal(), keys[tt.keyType].PublicKey().Marshal()) {
			t.Errorf("asking for %s got a %s key, not the server's %s key", tt.algo, got.Type(), tt.keyType)
		}
	}
}
