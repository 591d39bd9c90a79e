package sshtest

import (
	"fmt"

	"github.com/gopssh/pssh/internal/keygen"
	"golang.org/x/crypto/ssh"
)

// Key is a generated key (ed25519 unless made by [GenerateKeyType]), usable as a client key or a host key.
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
	return GenerateKeyType(ssh.KeyAlgoED25519)
}

// GenerateKeyType returns a new random key of the given type:
// ssh.KeyAlgoED25519 ("ssh-ed25519"), ssh.KeyAlgoRSA ("ssh-rsa", 2048
// bits) or ssh.KeyAlgoECDSA256 ("ecdsa-sha2-nistp256"), for example to
// serve several host keys (Config.HostKeys).
func GenerateKeyType(keyType string) (*Key, error) {
	signer, pemBytes, err := keygen.Signer(keyType)
	if err != nil {
		return nil, fmt.Errorf("sshtest: %w", err)
	}
	return &Key{Signer: signer, PEM: pemBytes}, nil
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
	b, err := keygen.PEM(priv, passphrase)
	if err != nil {
		return nil, fmt.Errorf("sshtest: %w", err)
	}
	return b, nil
}
