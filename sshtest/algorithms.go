package sshtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/sshalgo"
)

// Restricting what a server negotiates (Config.KeyExchanges,
// HostKeyAlgorithms, Ciphers, MACs), to play an old or badly configured
// server: one that offers only SHA-1 host key signatures, only a SHA-1 key
// exchange, only a 96-bit MAC or only CBC ciphers.

// checkAlgorithms refuses names x/crypto/ssh does not implement, which it
// would otherwise drop without a word.
func checkAlgorithms(cfg *Config) error {
	for _, f := range []struct {
		kind  sshalgo.Kind
		field string
		names []string
	}{
		{sshalgo.KeyExchange, "KeyExchanges", cfg.KeyExchanges},
		{sshalgo.HostKey, "HostKeyAlgorithms", cfg.HostKeyAlgorithms},
		{sshalgo.Cipher, "Ciphers", cfg.Ciphers},
		{sshalgo.MAC, "MACs", cfg.MACs},
	} {
		known := sshalgo.Known(f.kind)
		for _, n := range f.names {
			if !slices.Contains(known, n) {
				return fmt.Errorf("sshtest: Config.%s: unknown algorithm %q (known: %s)", f.field, n, strings.Join(known, ","))
			}
		}
	}
	return nil
}

// defaultHostKeyType is the type of the host key generated when
// Config.HostKey is nil: one that can sign with the first of
// Config.HostKeyAlgorithms, else ed25519.
func defaultHostKeyType(cfg *Config) string {
	if len(cfg.HostKeyAlgorithms) == 0 {
		return ssh.KeyAlgoED25519
	}
	switch a := cfg.HostKeyAlgorithms[0]; a {
	case ssh.KeyAlgoRSA, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512:
		return ssh.KeyAlgoRSA
	case ssh.KeyAlgoECDSA256:
		return a
	}
	return ssh.KeyAlgoED25519
}

// hostSigners returns the host keys a server with cfg serves: Config.HostKey
// and Config.HostKeys, each restricted to its signature algorithms in
// Config.HostKeyAlgorithms (a key with none is left out).
func hostSigners(cfg *Config) ([]ssh.Signer, error) {
	all := append([]ssh.Signer{cfg.HostKey}, cfg.HostKeys...)
	if len(cfg.HostKeyAlgorithms) == 0 {
		return all, nil
	}
	var out []ssh.Signer
	for _, k := range all {
		offered, plain := signatureAlgorithms(k.PublicKey())
		var keep []string
		for i, a := range offered {
			if slices.Contains(cfg.HostKeyAlgorithms, a) {
				keep = append(keep, plain[i])
			}
		}
		if len(keep) == 0 {
			continue
		}
		as, ok := k.(ssh.AlgorithmSigner)
		if !ok {
			return nil, fmt.Errorf("sshtest: Config.HostKeyAlgorithms: the %s host key cannot choose its signature algorithm", k.PublicKey().Type())
		}
		s, err := ssh.NewSignerWithAlgorithms(as, keep)
		if err != nil {
			return nil, fmt.Errorf("sshtest: Config.HostKeyAlgorithms: %w", err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("sshtest: Config.HostKeyAlgorithms: no host key of those types (give one as HostKey, e.g. from GenerateKeyType)")
	}
	return out, nil
}

// signatureAlgorithms returns the host key algorithms a key can be offered
// under, and for each the plain signature algorithm it signs with.
func signatureAlgorithms(pub ssh.PublicKey) (offered, plain []string) {
	rsa := []string{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSA}
	switch t := pub.Type(); t {
	case ssh.KeyAlgoRSA:
		return rsa, rsa
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSAv01}, rsa
	default:
		if c, ok := pub.(*ssh.Certificate); ok {
			return []string{t}, []string{c.Key.Type()}
		}
		return []string{t}, []string{t}
	}
}
