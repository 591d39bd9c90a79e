package pssh_test

// Authentication against real OpenSSH: certificates, key permissions, agent
// forwarding, and secrets kept out of errors and logs.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

func TestOpenSSHCertificateAuth(t *testing.T) {
	requireCommand(t, "ssh-keygen")
	dir := t.TempDir()
	ca, key := filepath.Join(dir, "ca"), filepath.Join(dir, "id_ed25519")
	sshKeygen(t, "-q", "-t", "ed25519", "-N", "", "-C", "ca", "-f", ca)
	// A key of its own, not in authorized_keys: only its certificate can log in.
	sshKeygen(t, "-q", "-t", "ed25519", "-N", "", "-C", "user", "-f", key)
	s, cfg := openSSH(t, opensshd.Options{ExtraConfig: []string{"TrustedUserCAKeys " + ca + ".pub"}})
	if err := os.Chmod(dir, 0o755); err != nil { // sshd reads the CA's public key
		t.Fatal(err)
	}
	sshKeygen(t, "-q", "-s", ca, "-I", "pssh-test-cert", "-n", cfg.User, key+".pub")
	other := filepath.Join(dir, "other-cert.pub")
	if err := os.Rename(key+"-cert.pub", other); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		certFile string // Config.CertFile
		beside   bool   // the certificate is KEY-cert.pub
		ok       bool
	}{
		{"no certificate", "", false, false},
		{"beside the key", "", true, true},
		{"CertFile", other, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(key + "-cert.pub")
			if tt.beside {
				data, err := os.ReadFile(other)
				if err != nil {
					t.Fatal(err)
				}
				writeFileAt(t, key+"-cert.pub", data)
			}
			cfg := *cfg
			cfg.KeyFile, cfg.CertFile = key, tt.certFile
			c := newClient(t, s.Addrs, &cfg)
			outs, err := c.Run(ctxT(t), "echo ok", nil)
			var ae *pssh.AuthenticationError
			switch {
			case tt.ok && err != nil:
				t.Fatal(err)
			case tt.ok && joinLines(outs[0].Stdout) != "ok":
				t.Fatalf("%q", joinLines(outs[0].Stdout))
			case !tt.ok && !errors.As(err, &ae):
				t.Fatalf("err %v, want *AuthenticationError: the plain key must not be authorized", err)
			}
		})
	}
}

func writeFileAt(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSHKeyPermissionsTooOpen(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	data, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		key := filepath.Join(t.TempDir(), "id_ed25519")
		if err := os.WriteFile(key, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(key, mode); err != nil {
			t.Fatal(err)
		}
		cfg := *cfg
		cfg.KeyFile = key
		_, err := pssh.New(s.Addrs, &cfg)
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+key) || !strings.Contains(err.Error(), "too open") {
			t.Fatalf("mode %#o: New: %v, want an error saying to chmod 600 %s", mode, err, key)
		}
		// Fixed as the error says, it works.
		if err := os.Chmod(key, 0o600); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, s.Addrs, &cfg)
		if _, err := c.Run(ctxT(t), "true", nil); err != nil {
			t.Fatalf("mode 0600: %v", err)
		}
	}
}

func TestOpenSSHAgentForwarding(t *testing.T) {
	requireCommand(t, "ssh-keygen")
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	sock := opensshd.StartAgent(t, s.ClientKeyFile)
	out, err := exec.Command("ssh-keygen", "-l", "-f", s.ClientKeyFile+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	fingerprint := strings.Fields(string(out))[1]
	cfg.AgentSocket = sock
	tests := []struct {
		name    string
		client  bool // Config.ForwardAgent
		host    bool // HostConfig.ForwardAgent of the first host
		noAgent bool // Config.NoAgent: log in with the key file only
		want    []bool
	}{
		{"off", false, false, false, []bool{false, false}},
		{"client-wide", true, false, false, []bool{true, true}},
		{"one host", false, true, false, []bool{true, false}},
		{"NoAgent still forwards", true, false, true, []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *cfg
			cfg.ForwardAgent, cfg.NoAgent = tt.client, tt.noAgent
			cfg.HostConfig = []pssh.HostConfig{{ForwardAgent: tt.host}, {}}
			c := newClient(t, s.Addrs, &cfg)
			for range 2 { // each session of a kept connection asks for forwarding
				outs, err := c.Run(ctxT(t), "ssh-add -l", nil)
				if err != nil {
					t.Fatal(err)
				}
				for i, o := range outs {
					got := joinLines(o.Stdout)
					if has := strings.Contains(got, fingerprint); has != tt.want[i] {
						t.Fatalf("host %d: ssh-add -l printed %q (stderr %q), want the key listed: %v", i, got, joinLines(o.Stderr), tt.want[i])
					}
				}
			}
		})
	}
}

func TestOpenSSHSecretsStayOut(t *testing.T) {
	requireCommand(t, "ssh-keygen")
	user, password := opensshd.EnsureTestUser(t)
	s, cfg := openSSH(t, opensshd.Options{Password: true})
	cfg.User = user
	const (
		wrongPassword   = "Wr0ng-Pa55word-7e1d"
		wrongPassphrase = "Wr0ng-Pa55phrase-33a9"
		passphrase      = "R1ght-Pa55phrase-c0de"
		proxyPassword   = "Pr0xy-Pa55word-b00c"
	)
	secrets := []string{wrongPassword, wrongPassphrase, passphrase, proxyPassword, password}
	encrypted := filepath.Join(t.TempDir(), "id_ed25519")
	data, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(encrypted, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sshKeygen(t, "-q", "-p", "-N", passphrase, "-f", encrypted)
	host, port := splitAddr(t, s.Addrs[0])
	tests := []struct {
		name string
		edit func(*pssh.Config)
	}{
		{"wrong password", func(c *pssh.Config) { c.KeyFile, c.Password = "", wrongPassword }},
		{"wrong passphrase", func(c *pssh.Config) { c.KeyFile, c.Passphrase = encrypted, []byte(wrongPassphrase) }},
		{"per-host wrong passphrase", func(c *pssh.Config) {
			c.KeyFile, c.Password = "", wrongPassword
			c.HostConfig = []pssh.HostConfig{{Password: wrongPassword, KeyFile: encrypted, Passphrase: []byte(wrongPassphrase)}}
		}},
		{"wrong proxy password", func(c *pssh.Config) {
			c.Proxy = &pssh.Proxy{Host: host, Port: port, User: user, Password: proxyPassword}
			c.NoDefaultKeys, c.KeyFile = true, ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *cfg
			var log syncBuffer
			cfg.HostLogger = &log
			tt.edit(&cfg)
			var texts []string
			c, err := pssh.New(s.Addrs, &cfg)
			if err != nil {
				texts = append(texts, err.Error())
			} else {
				defer c.Close()
				outs, err := c.Run(ctxT(t), "echo secret-free", &pssh.RunOptions{ContinueOnErrors: true})
				if err != nil {
					texts = append(texts, err.Error())
				}
				for _, o := range outs {
					c.Join(ctxT(t), []*pssh.HostOutput{o}, &pssh.JoinOptions{ConsumeOutput: true})
					if o.Err() == nil {
						t.Fatalf("%s: no error", o.Host)
					}
					texts = append(texts, o.Err().Error(), strings.ReplaceAll(errorChain(o.Err()), "\n", " "))
				}
			}
			texts = append(texts, log.String())
			for _, text := range texts {
				for _, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Fatalf("a secret shows in %q", text)
					}
				}
			}
			if len(texts) < 2 || texts[0] == "" {
				t.Fatalf("no error to check: %q", texts)
			}
		})
	}
}

// errorChain renders every error of err's chain, as text and with %#v, the
// way a careless caller might print it.
func errorChain(err error) string {
	var b strings.Builder
	for err != nil {
		fmt.Fprintf(&b, "%s %#v\n", err, err)
		err = errors.Unwrap(err)
	}
	return b.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
