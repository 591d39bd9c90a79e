package pssh

import (
	"fmt"
	"runtime"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/cpu"
)

// DefaultCiphers returns the ciphers offered when Config.Ciphers is empty,
// most preferred first: AES-GCM first on a CPU with AES and carry-less
// multiplication instructions (x86 AES-NI and PCLMULQDQ, arm64 AES and
// PMULL, s390x), where it is the fastest authenticated cipher;
// ChaCha20-Poly1305 first elsewhere, where AES runs in software, slower and
// without constant time. All are the ones OpenSSH offers by default.
func DefaultCiphers() []string {
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

// checkAlgorithms refuses names x/crypto/ssh does not implement, which it
// would otherwise drop without a word (and fail every handshake when none is
// left).
func checkAlgorithms(field string, names []string, known func(ssh.Algorithms) []string) error {
	ok := slices.Concat(known(ssh.SupportedAlgorithms()), known(ssh.InsecureAlgorithms()))
	for _, n := range names {
		if !slices.Contains(ok, n) {
			return fmt.Errorf("pssh: Config.%s: unknown algorithm %q (known: %v)", field, n, known(ssh.SupportedAlgorithms()))
		}
	}
	return nil
}

// checkConfigAlgorithms checks Config.KeyExchanges and Config.Ciphers.
func checkConfigAlgorithms(cfg *Config) error {
	if err := checkAlgorithms("KeyExchanges", cfg.KeyExchanges, func(a ssh.Algorithms) []string { return a.KeyExchanges }); err != nil {
		return err
	}
	return checkAlgorithms("Ciphers", cfg.Ciphers, func(a ssh.Algorithms) []string { return a.Ciphers })
}
