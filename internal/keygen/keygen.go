// Package keygen makes SSH keys: the one key generator of sshtest, the
// testbed and the tests of the internal packages (which cannot import
// sshtest, since sshtest imports the library that imports them).
package keygen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// New returns a new random private key of the given type:
// ssh.KeyAlgoED25519, ssh.KeyAlgoRSA (2048 bits) or ssh.KeyAlgoECDSA256.
func New(keyType string) (crypto.Signer, error) {
	var priv crypto.Signer
	var err error
	switch keyType {
	case ssh.KeyAlgoED25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ssh.KeyAlgoRSA:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case ssh.KeyAlgoECDSA256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("cannot generate a %q key (want %s, %s or %s)", keyType, ssh.KeyAlgoED25519, ssh.KeyAlgoRSA, ssh.KeyAlgoECDSA256)
	}
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	return priv, nil
}

// PEM returns priv in OpenSSH PEM format ("BEGIN OPENSSH PRIVATE KEY"),
// encrypted with passphrase unless it is empty, as ssh-keygen writes it.
func PEM(priv crypto.PrivateKey, passphrase []byte) ([]byte, error) {
	var block *pem.Block
	var err error
	if len(passphrase) == 0 {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", passphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("marshalling key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// Signer returns a new random key of keyType as a signer, with its
// unencrypted PEM.
func Signer(keyType string) (ssh.Signer, []byte, error) {
	priv, err := New(keyType)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("creating signer: %w", err)
	}
	pemBytes, err := PEM(priv, nil)
	if err != nil {
		return nil, nil, err
	}
	return signer, pemBytes, nil
}
