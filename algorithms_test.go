package pssh_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

func TestDefaultCiphers(t *testing.T) {
	got := pssh.DefaultCiphers()
	want := []string{ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305, ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("DefaultCiphers() = %v, want an order of %v", got, want)
	}
	if first := got[0]; first != ssh.CipherAES128GCM && first != ssh.CipherChaCha20Poly1305 {
		t.Errorf("DefaultCiphers() prefers %s, want AES-GCM or ChaCha20-Poly1305", first)
	}
}

func TestUnknownAlgorithmRefused(t *testing.T) {
	for _, cfg := range []pssh.Config{
		{Ciphers: []string{"aes128-gcm@openssh.com", "rot13"}},
		{KeyExchanges: []string{"sntrup761x25519-sha512"}},
	} {
		cfg.IgnoreSSHConfig, cfg.NoAgent, cfg.NoDefaultKeys, cfg.User = true, true, true, "u"
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		if _, err := pssh.New([]string{"127.0.0.1"}, &cfg); err == nil || !strings.Contains(err.Error(), "unknown algorithm") {
			t.Errorf("New with ciphers %v, kex %v: error %v, want an unknown algorithm", cfg.Ciphers, cfg.KeyExchanges, err)
		}
	}
}

// TestAlgorithmsReachTheServer checks that Config.Ciphers and
// Config.KeyExchanges are what the client offers: a server that allows only
// aes256-ctr and curve25519-sha256 refuses a client that offers only
// AES-GCM, and accepts one that offers aes256-ctr.
func TestAlgorithmsReachTheServer(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{
		ExtraConfig: []string{"Ciphers aes256-ctr", "KexAlgorithms curve25519-sha256"},
	})
	cfg.KeyExchanges = []string{ssh.KeyExchangeCurve25519}
	cfg.Ciphers = []string{ssh.CipherAES128GCM}
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := outs[0].Err(); err == nil || !strings.Contains(err.Error(), "no common algorithm") {
		t.Errorf("offering only %v to a server allowing aes256-ctr: error %v, want no common algorithm", cfg.Ciphers, err)
	}

	cfg.Ciphers = []string{ssh.CipherAES128GCM, ssh.CipherAES256CTR}
	c = newClient(t, s.Addrs, cfg)
	outs, err = c.Run(ctxT(t), "echo ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "ok" {
		t.Errorf("output %q, want ok", got)
	}
}
