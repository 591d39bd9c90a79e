package pssh

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/sshalgo"
	"github.com/gopssh/pssh/internal/sshconfig"
)

// The algorithms offered by default are OpenSSH 9's defaults that
// x/crypto/ssh implements: no SHA-1 signatures (ssh-rsa), no SHA-1 key
// exchange, no 96-bit MACs, no CBC or RC4 ciphers. Strict key exchange
// (kex-strict-c-v00@openssh.com, the countermeasure to the Terrapin
// attack) is always offered.

// DefaultCiphers returns the ciphers offered when Config.Ciphers is empty,
// most preferred first: AES-GCM first on a CPU with AES and carry-less
// multiplication instructions (x86 AES-NI and PCLMULQDQ, arm64 AES and
// PMULL, s390x), where it is the fastest authenticated cipher;
// ChaCha20-Poly1305 first elsewhere, where AES runs in software, slower and
// without constant time. All are the ones OpenSSH offers by default.
func DefaultCiphers() []string { return sshalgo.Defaults(sshalgo.Cipher) }

// DefaultKeyExchanges returns the key exchanges offered when
// Config.KeyExchanges is empty, most preferred first: OpenSSH 9.9's
// defaults less sntrup761x25519-sha512 and diffie-hellman-group18-sha512,
// which x/crypto/ssh does not implement.
func DefaultKeyExchanges() []string { return sshalgo.Defaults(sshalgo.KeyExchange) }

// DefaultMACs returns the MACs offered when Config.MACs is empty (used only
// with a cipher that is not AEAD: AES-CTR), most preferred first: OpenSSH's
// defaults less the umac and SHA-1 -etm ones, which x/crypto/ssh does not
// implement.
func DefaultMACs() []string { return sshalgo.Defaults(sshalgo.MAC) }

// DefaultHostKeyAlgorithms returns the host key signature algorithms
// offered when Config.HostKeyAlgorithms is empty, most preferred first:
// OpenSSH's defaults less the FIDO (sk-) ones. The algorithms of the key
// types known_hosts has for a host are asked for first.
func DefaultHostKeyAlgorithms() []string { return sshalgo.Defaults(sshalgo.HostKey) }

// algorithms are the lists a host's connection offers.
type algorithms struct {
	kex, hostKeys, ciphers, macs []string
}

// resolveAlgorithms returns the lists Config's fields ask for, each in
// OpenSSH's syntax (see Config.KeyExchanges), defaults for the empty ones.
func resolveAlgorithms(cfg *Config) (algorithms, error) {
	var a algorithms
	for _, f := range []struct {
		kind sshalgo.Kind
		spec []string
		dst  *[]string
	}{
		{sshalgo.KeyExchange, cfg.KeyExchanges, &a.kex},
		{sshalgo.HostKey, cfg.HostKeyAlgorithms, &a.hostKeys},
		{sshalgo.Cipher, cfg.Ciphers, &a.ciphers},
		{sshalgo.MAC, cfg.MACs, &a.macs},
	} {
		list, err := sshalgo.Resolve(f.kind, f.spec)
		if err != nil {
			return a, fmt.Errorf("pssh: Config.%s: %w", f.kind.Field(), err)
		}
		*f.dst = list
	}
	return a, nil
}

// hostAlgorithms returns the lists for a host: the client's, except where
// ssh_config sets a list for the host and the caller's Config does not.
func (c *Client) hostAlgorithms(s *sshconfig.Settings) (algorithms, error) {
	a := c.algos
	if s == nil {
		return a, nil
	}
	ex := &c.explicit
	for _, f := range []struct {
		kind     sshalgo.Kind
		explicit []string
		file     []string
		dst      *[]string
	}{
		{sshalgo.KeyExchange, ex.KeyExchanges, s.KexAlgorithms, &a.kex},
		{sshalgo.HostKey, ex.HostKeyAlgorithms, s.HostKeyAlgorithms, &a.hostKeys},
		{sshalgo.Cipher, ex.Ciphers, s.Ciphers, &a.ciphers},
		{sshalgo.MAC, ex.MACs, s.MACs, &a.macs},
	} {
		if len(f.explicit) > 0 || len(f.file) == 0 {
			continue
		}
		list, err := sshalgo.ResolveSSHConfig(f.kind, f.file)
		if err != nil {
			return a, fmt.Errorf("ssh_config: %s: %w", f.kind.Option(), err)
		}
		*f.dst = list
	}
	return a, nil
}

// isAlgorithmFailure tells whether a handshake failed for want of a common
// algorithm.
func isAlgorithmFailure(err error) bool {
	_, ok := algorithmError(err)
	return ok
}

// algorithmError makes the public error of a failed negotiation: which
// kind had nothing in common, and which of the server's algorithms pssh
// implements but did not offer (allowing one of them connects).
func algorithmError(err error) (*AlgorithmError, bool) {
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ne) {
		return nil, false
	}
	kind, ok := sshalgo.KindOf(ne.What)
	if !ok {
		return nil, false
	}
	e := &AlgorithmError{What: kind.What(), Option: kind.Option(), Field: kind.Field(), Err: err}
	known := sshalgo.Known(kind)
	for _, a := range ne.RequestedAlgorithms { // the server's
		if slices.Contains(known, a) && !slices.Contains(ne.SupportedAlgorithms, a) && !slices.Contains(e.Disabled, a) {
			e.Disabled = append(e.Disabled, a)
		}
	}
	for _, a := range ne.RequestedAlgorithms {
		if len(e.ServerOffer) == maxQuotedAlgorithms {
			e.serverMore = len(ne.RequestedAlgorithms) - maxQuotedAlgorithms
			break
		}
		if len(a) > maxQuotedName {
			a = a[:maxQuotedName] + "..."
		}
		e.ServerOffer = append(e.ServerOffer, a)
	}
	return e, true
}

// maxQuotedAlgorithms is how many of the server's algorithms an
// AlgorithmError keeps: a server may send thousands.
const maxQuotedAlgorithms = 8

// maxQuotedName is the longest algorithm name an AlgorithmError quotes
// whole.
const maxQuotedName = 64
