// Package sshalgo holds the algorithm lists pssh offers when it negotiates
// an SSH connection: its defaults (those of OpenSSH 9's defaults that
// x/crypto/ssh implements: no SHA-1 signatures or key exchange, no 96-bit
// MACs, no CBC or RC4 ciphers), OpenSSH's syntax for changing a list
// ("+" appends to the defaults, "-" removes from them, "^" puts first), and
// why an algorithm is left out.
package sshalgo

import (
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/cpu"
)

// Kind is one of the four negotiated lists.
type Kind int

// The kinds of algorithm, as OpenSSH's options name them.
const (
	KeyExchange Kind = iota // KexAlgorithms
	HostKey                 // HostKeyAlgorithms
	Cipher                  // Ciphers
	MAC                     // MACs
)

// Kinds lists every kind.
var Kinds = []Kind{KeyExchange, HostKey, Cipher, MAC}

// Option is the kind's OpenSSH option name: KexAlgorithms,
// HostKeyAlgorithms, Ciphers or MACs.
func (k Kind) Option() string {
	return [...]string{"KexAlgorithms", "HostKeyAlgorithms", "Ciphers", "MACs"}[k]
}

// Field is the name of the kind's pssh.Config field.
func (k Kind) Field() string {
	return [...]string{"KeyExchanges", "HostKeyAlgorithms", "Ciphers", "MACs"}[k]
}

// What names the kind in a sentence: "key exchange", "host key", "cipher",
// "MAC".
func (k Kind) What() string {
	return [...]string{"key exchange", "host key", "cipher", "MAC"}[k]
}

// KindOf returns the kind of x/crypto's AlgorithmNegotiationError.What
// ("key exchange", "host key", "client to server cipher", ...); false for
// compression.
func KindOf(what string) (Kind, bool) {
	switch {
	case what == "key exchange":
		return KeyExchange, true
	case what == "host key":
		return HostKey, true
	case strings.HasSuffix(what, " cipher"):
		return Cipher, true
	case strings.HasSuffix(what, " MAC"):
		return MAC, true
	}
	return 0, false
}

// The defaults: OpenSSH 9.9's default lists, in OpenSSH's order, less what
// x/crypto/ssh does not implement (sntrup761x25519-sha512,
// diffie-hellman-group18-sha512, the umac and -etm SHA-1 MACs, the FIDO sk-
// host keys). curve25519-sha256@libssh.org is added by x/crypto itself
// beside curve25519-sha256.
var (
	defaultKex = []string{
		ssh.KeyExchangeMLKEM768X25519,
		ssh.KeyExchangeCurve25519,
		ssh.KeyExchangeECDHP256,
		ssh.KeyExchangeECDHP384,
		ssh.KeyExchangeECDHP521,
		ssh.KeyExchangeDHGEXSHA256,
		ssh.KeyExchangeDH16SHA512,
		ssh.KeyExchangeDH14SHA256,
	}
	defaultHostKeys = []string{
		ssh.CertAlgoED25519v01,
		ssh.CertAlgoECDSA256v01,
		ssh.CertAlgoECDSA384v01,
		ssh.CertAlgoECDSA521v01,
		ssh.CertAlgoRSASHA512v01,
		ssh.CertAlgoRSASHA256v01,
		ssh.KeyAlgoED25519,
		ssh.KeyAlgoECDSA256,
		ssh.KeyAlgoECDSA384,
		ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA512,
		ssh.KeyAlgoRSASHA256,
	}
	defaultMACs = []string{
		ssh.HMACSHA256ETM,
		ssh.HMACSHA512ETM,
		ssh.HMACSHA256,
		ssh.HMACSHA512,
		ssh.HMACSHA1,
	}
)

// Defaults returns the list pssh offers for k when none is configured, most
// preferred first. Ciphers are OpenSSH's, with AES-GCM first on a CPU with
// AES and carry-less multiplication instructions (x86 AES-NI and
// PCLMULQDQ, arm64 AES and PMULL, s390x), where it is the fastest
// authenticated cipher, and ChaCha20-Poly1305 first elsewhere, where AES
// runs in software, slower and without constant time.
func Defaults(k Kind) []string {
	switch k {
	case KeyExchange:
		return slices.Clone(defaultKex)
	case HostKey:
		return slices.Clone(defaultHostKeys)
	case MAC:
		return slices.Clone(defaultMACs)
	}
	aesGCM := []string{ssh.CipherAES128GCM, ssh.CipherAES256GCM}
	chacha := []string{ssh.CipherChaCha20Poly1305}
	ctr := []string{ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR}
	if hasAESGCM() {
		return slices.Concat(aesGCM, chacha, ctr)
	}
	return slices.Concat(chacha, aesGCM, ctr)
}

// hasAESGCM tells whether the CPU runs AES-GCM in hardware.
func hasAESGCM() bool {
	switch runtime.GOARCH {
	case "amd64", "386":
		return cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ
	case "arm64":
		return cpu.ARM64.HasAES && cpu.ARM64.HasPMULL
	case "s390x":
		return cpu.S390X.HasAES && cpu.S390X.HasAESGCM
	}
	return false
}

// Known returns every algorithm of kind k that x/crypto/ssh implements, in
// the order OpenSSH lists them (ssh -Q), which is the order a pattern
// expands to; those OpenSSH lacks come last.
func Known(k Kind) []string {
	pick := func(a ssh.Algorithms) []string {
		return [...][]string{a.KeyExchanges, a.HostKeys, a.Ciphers, a.MACs}[k]
	}
	known := slices.Concat(pick(ssh.SupportedAlgorithms()), pick(ssh.InsecureAlgorithms()))
	rank := func(a string) int {
		if i := slices.Index(opensshOrder[k], a); i >= 0 {
			return i
		}
		return len(opensshOrder[k])
	}
	slices.SortStableFunc(known, func(a, b string) int { return rank(a) - rank(b) })
	return known
}

// opensshOrder is the order in which OpenSSH 9.9 lists each kind's
// algorithms (ssh -Q), restricted to those x/crypto/ssh implements.
var opensshOrder = [...][]string{
	KeyExchange: {
		"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
		"diffie-hellman-group16-sha512", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group-exchange-sha256",
		"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "curve25519-sha256", "mlkem768x25519-sha256",
	},
	HostKey: {
		"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com",
		"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
		"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
		"ssh-rsa", "ssh-rsa-cert-v01@openssh.com",
		"rsa-sha2-256", "rsa-sha2-256-cert-v01@openssh.com",
		"rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com",
	},
	Cipher: {
		"3des-cbc", "aes128-cbc", "aes128-ctr", "aes192-ctr", "aes256-ctr",
		"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
	},
	MAC: {
		"hmac-sha1", "hmac-sha1-96", "hmac-sha2-256", "hmac-sha2-512",
		"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
	},
}

// Weakness says why pssh does not offer name by default, as OpenSSH 9 does
// not: "SHA-1 signatures", "96-bit MAC", ...; "" for an algorithm with no
// known weakness.
func Weakness(name string) string {
	switch name {
	case ssh.KeyAlgoRSA, ssh.CertAlgoRSAv01:
		return "SHA-1 signatures"
	case ssh.InsecureKeyExchangeDH14SHA1, ssh.InsecureKeyExchangeDHGEXSHA1:
		return "SHA-1 key exchange"
	case ssh.InsecureKeyExchangeDH1SHA1:
		return "SHA-1 key exchange, 1024-bit group"
	case ssh.InsecureHMACSHA196:
		return "96-bit MAC"
	case ssh.InsecureCipherAES128CBC, ssh.InsecureCipherTripleDESCBC:
		return "CBC mode"
	case ssh.InsecureCipherRC4, ssh.InsecureCipherRC4128, ssh.InsecureCipherRC4256:
		return "RC4"
	}
	return ""
}

// Resolve returns the list of kind k that spec asks for, in OpenSSH's
// syntax: no items means the defaults; a first item starting with '+'
// appends the items to the defaults, with '-' removes them from the
// defaults, with '^' puts them before the defaults; otherwise the items
// are the list. An item may hold several names separated by commas, as
// OpenSSH writes them ("+ssh-rsa,ssh-rsa-cert-v01@openssh.com"), and names
// may be patterns with '*' and '?', matched against every algorithm
// x/crypto/ssh implements (a pattern may match none). A name it does not
// implement, an empty name or an empty result is an error (naming neither
// the kind nor the option: the caller says where the list comes from).
func Resolve(k Kind, spec []string) ([]string, error) {
	return resolve(k, spec, false)
}

// ResolveSSHConfig is Resolve for a list read from ssh_config, which
// OpenSSH reads too: names OpenSSH knows but x/crypto/ssh does not
// implement ("sntrup761x25519-sha512", "umac-64@openssh.com", ...) are left
// out rather than refused, and, as in OpenSSH, empty names are skipped and
// a '-' list may name anything (what matches nothing removes nothing).
func ResolveSSHConfig(k Kind, spec []string) ([]string, error) {
	return resolve(k, spec, true)
}

// resolve resolves spec; sshConfig: as read from ssh_config (see
// ResolveSSHConfig).
func resolve(k Kind, spec []string, sshConfig bool) ([]string, error) {
	defaults := Defaults(k)
	if len(spec) == 0 {
		return defaults, nil
	}
	items := strings.Split(strings.Join(spec, ","), ",")
	var op byte
	if s := strings.TrimSpace(items[0]); s != "" && strings.ContainsRune("+-^", rune(s[0])) {
		op, items[0] = s[0], s[1:]
	}
	known := Known(k)
	var named []string // the items' algorithms, patterns expanded
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" && sshConfig {
			continue
		}
		if it == "" {
			return nil, fmt.Errorf("%q: empty algorithm name", strings.Join(spec, ","))
		}
		matched := false
		for _, a := range known {
			if ok, _ := path.Match(it, a); ok || it == a {
				matched = true
				named = append(named, a)
			}
		}
		switch {
		case matched, strings.ContainsAny(it, "*?"):
		case sshConfig && (op == '-' || slices.Contains(opensshOnly[k], it)):
		default:
			return nil, fmt.Errorf("unknown algorithm %q (known: %s)", it, strings.Join(known, ","))
		}
	}
	var list []string
	switch op {
	case '+':
		list = append(defaults, named...)
	case '-':
		list = slices.DeleteFunc(defaults, func(a string) bool { return slices.Contains(named, a) })
	case '^':
		list = append(named, defaults...)
	default:
		list = named
	}
	list = dedup(list)
	if len(list) == 0 {
		return nil, fmt.Errorf("%q: %w", strings.Join(spec, ","), errEmpty)
	}
	return list, nil
}

// Names returns every algorithm name of kind k that OpenSSH or x/crypto/ssh
// knows: Known(k), then those only OpenSSH implements. A list read from
// ssh_config may name any of them.
func Names(k Kind) []string {
	return append(Known(k), opensshOnly[k]...)
}

// opensshOnly are the names OpenSSH 9.9 knows (ssh -Q) that x/crypto/ssh
// does not implement.
var opensshOnly = [...][]string{
	KeyExchange: {
		"diffie-hellman-group18-sha512", "curve25519-sha256@libssh.org",
		"sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
	},
	HostKey: {
		"ssh-dss", "ssh-dss-cert-v01@openssh.com",
		"sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
		"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
	},
	Cipher: {"aes192-cbc", "aes256-cbc"},
	MAC: {
		"hmac-md5", "hmac-md5-96", "umac-64@openssh.com", "umac-128@openssh.com",
		"hmac-sha1-etm@openssh.com", "hmac-sha1-96-etm@openssh.com", "hmac-md5-etm@openssh.com",
		"hmac-md5-96-etm@openssh.com", "umac-64-etm@openssh.com", "umac-128-etm@openssh.com",
	},
}

var errEmpty = errors.New("no algorithm left")

// dedup keeps the first of each name.
func dedup(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
