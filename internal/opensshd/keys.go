package opensshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
)

// keyPair is a freshly generated ed25519 key.
type keyPair struct {
	private ed25519.PrivateKey
	signer  ssh.Signer
}

// newKeyPair generates an ed25519 key.
func newKeyPair() (keyPair, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("opensshd: generating ed25519 key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return keyPair{}, fmt.Errorf("opensshd: ed25519 signer: %w", err)
	}
	return keyPair{private: priv, signer: signer}, nil
}

// writePrivate writes the key, unencrypted in OpenSSH format, to path with
// mode 0600, and its public half to path+".pub".
func (k keyPair) writePrivate(path, comment string) error {
	block, err := ssh.MarshalPrivateKey(k.private, comment)
	if err != nil {
		return fmt.Errorf("opensshd: encoding private key: %w", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return fmt.Errorf("opensshd: %w", err)
	}
	pub := ssh.MarshalAuthorizedKey(k.signer.PublicKey())
	pub = append(pub[:len(pub)-1], []byte(" "+comment+"\n")...)
	if err := os.WriteFile(path+".pub", pub, 0o644); err != nil {
		return fmt.Errorf("opensshd: %w", err)
	}
	return nil
}
