package keygen

import (
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestSigner(t *testing.T) {
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSA, ssh.KeyAlgoECDSA256} {
		signer, pemBytes, err := Signer(typ)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := signer.PublicKey().Type(); got != typ {
			t.Errorf("%s: key of type %s", typ, got)
		}
		parsed, err := ssh.ParsePrivateKey(pemBytes)
		if err != nil || string(parsed.PublicKey().Marshal()) != string(signer.PublicKey().Marshal()) {
			t.Errorf("%s: PEM does not parse back to the key: %v", typ, err)
		}
	}
	if _, _, err := Signer("ssh-dss"); err == nil {
		t.Error("ssh-dss: no error")
	}
}

func TestPEMEncrypted(t *testing.T) {
	priv, err := New(ssh.KeyAlgoED25519)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := PEM(priv, []byte("pp"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssh.ParsePrivateKey(enc); err == nil {
		t.Error("encrypted key parses without its passphrase")
	}
	if _, err := ssh.ParsePrivateKeyWithPassphrase(enc, []byte("pp")); err != nil {
		t.Errorf("with its passphrase: %v", err)
	}
}
