package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Key is a generated ed25519 key, usable as a client key or a host key.
type Key struct {
	// Signer signs with the private key; pass it to ssh.PublicKeys for
	// client authentication or use it as Config.HostKey.
	Signer ssh.Signer
	// PEM is the private key in OpenSSH PEM format ("BEGIN OPENSSH PRIVATE
	// KEY"), unencrypted, as written by ssh-keygen.
	PEM []byte
}

// GenerateKey returns a new random ed25519 key.
func GenerateKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sshtest: generating key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("sshtest: creating signer: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, fmt.Errorf("sshtest: marshalling key: %w", err)
	}
	return &Key{Signer: signer, PEM: pem.EncodeToMemory(block)}, nil
}

// PublicKey returns the public half of the key.
func (k *Key) PublicKey() ssh.PublicKey {
	return k.Signer.PublicKey()
}

// AuthorizedKey returns the public key in authorized_keys format,
// "ssh-ed25519 AAAA...\n".
func (k *Key) AuthorizedKey() []byte {
	return ssh.MarshalAuthorizedKey(k.PublicKey())
}

// EncryptedPEM returns the private key in OpenSSH PEM format, encrypted with
// passphrase (as ssh-keygen -N would write it). It is derived from k.PEM.
func (k *Key) EncryptedPEM(passphrase []byte) ([]byte, error) {
	priv, err := ssh.ParseRawPrivateKey(k.PEM)
	if err != nil {
		return nil, fmt.Errorf("sshtest: parsing key: %w", err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", passphrase)
	if err != nil {
		return nil, fmt.Errorf("sshtest: encrypting key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}
