package sshtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// runAll runs `echo hello from $ADDR; echo warn >&2; exit 3` (ADDR: the host
// dialled) on every host with a client built from cfg, and fails t unless
// each host printed its line and exited 3.
func runAll(t *testing.T, hosts []string, cfg *pssh.Config) {
	t.Helper()
	cfg.ConnectTimeout = 10 * time.Second
	client, err := pssh.New(hosts, cfg)
	if err != nil {
		t.Fatalf("pssh.New: %v", err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := make([][]string, len(hosts))
	for i, h := range hosts {
		args[i] = []string{h}
	}
	outputs, err := client.Run(ctx, "echo hello from %q; echo warn >&2; exit 3", &pssh.RunOptions{HostArgs: args})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for i, out := range outputs {
		stdout := slices.Collect(out.Stdout.Lines())
		stderr := slices.Collect(out.Stderr.Lines())
		if want := []string{"hello from " + hosts[i]}; !slices.Equal(stdout, want) {
			t.Errorf("%s: stdout %q, want %q", out.Host, stdout, want)
		}
		if want := []string{"warn"}; !slices.Equal(stderr, want) {
			t.Errorf("%s: stderr %q, want %q", out.Host, stderr, want)
		}
		if err := out.Wait(ctx); err != nil {
			t.Errorf("%s: %v", out.Host, err)
		}
		if code, ok := out.ExitCode(); !ok || code != 3 {
			t.Errorf("%s: exit code (%d, %v), want 3", out.Host, code, ok)
		}
	}
}

func mustKeyType(t *testing.T, typ string) *sshtest.Key {
	t.Helper()
	k, err := sshtest.GenerateKeyType(typ)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestClientConfig: a pssh client configured by ClientConfig or
// FleetClientConfig runs a command on a server or a fleet, whatever else
// their Config accepts and whichever host keys they serve.
func TestClientConfig(t *testing.T) {
	t.Parallel()
	ecdsa := mustKeyType(t, ssh.KeyAlgoECDSA256)
	rsa := mustKeyType(t, ssh.KeyAlgoRSA)
	tests := []struct {
		name  string
		start func(t *testing.T) (hosts []string, cfg *pssh.Config)
	}{
		{"server", func(t *testing.T) ([]string, *pssh.Config) {
			srv := sshtest.Start(t, sshtest.Config{})
			return []string{srv.Addr}, srv.ClientConfig()
		}},
		{"server with users and passwords", func(t *testing.T) ([]string, *pssh.Config) {
			srv := sshtest.Start(t, sshtest.Config{Users: map[string]string{"alice": "pw"}})
			return []string{srv.Addr}, srv.ClientConfig()
		}},
		{"server with several host keys", func(t *testing.T) ([]string, *pssh.Config) {
			// x/crypto/ssh's client prefers the ECDSA key to the ed25519 HostKey.
			srv := sshtest.Start(t, sshtest.Config{HostKeys: []ssh.Signer{ecdsa.Signer, rsa.Signer}})
			return []string{srv.Addr}, srv.ClientConfig()
		}},
		{"server twice in the host list", func(t *testing.T) ([]string, *pssh.Config) {
			srv := sshtest.Start(t, sshtest.Config{})
			return []string{srv.Addr, srv.Addr}, srv.ClientConfig()
		}},
		{"fleet", func(t *testing.T) ([]string, *pssh.Config) {
			fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
			return fleet.Addrs(), fleet.ClientConfig()
		}},
		{"fleet with several host keys", func(t *testing.T) ([]string, *pssh.Config) {
			fleet := sshtest.StartFleet(t, 3, sshtest.Config{HostKeys: []ssh.Signer{ecdsa.Signer}})
			return fleet.Addrs(), fleet.ClientConfig()
		}},
		{"fleet with client keys of their own", func(t *testing.T) ([]string, *pssh.Config) {
			fleet := sshtest.StartFleetFunc(t, 3, func(i int) sshtest.Config {
				if i == 0 {
					return sshtest.Config{}
				}
				k, err := sshtest.GenerateKey()
				if err != nil {
					t.Error(err)
				}
				return sshtest.Config{ClientKey: k}
			})
			cfg := fleet.ClientConfig()
			if len(cfg.HostConfig) != 3 {
				t.Errorf("HostConfig has %d entries, want one per server", len(cfg.HostConfig))
			}
			return fleet.Addrs(), cfg
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hosts, cfg := tt.start(t)
			if cfg.User != sshtest.ClientUser || !cfg.IgnoreSSHConfig || !cfg.NoAgent || !cfg.NoDefaultKeys || cfg.HostKeyCallback == nil || len(cfg.Key) == 0 {
				t.Errorf("config %+v does not ignore the user's SSH setup", cfg)
			}
			runAll(t, hosts, cfg)
		})
	}
}

// TestClientConfigRefusesOthers: a configuration trusts only its own
// servers' host keys.
func TestClientConfigRefusesOthers(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Config{})
	other := sshtest.Start(t, sshtest.Config{ClientKey: srv.ClientKey()}) // accepts the login; its host key differs
	fleet := sshtest.StartFleet(t, 2, sshtest.Config{ClientKey: srv.ClientKey()})
	tests := []struct {
		name  string
		hosts []string
		cfg   *pssh.Config
	}{
		{"Server.ClientConfig on another server", []string{other.Addr}, srv.ClientConfig()},
		{"Fleet.ClientConfig on a server outside the fleet", []string{other.Addr}, fleet.ClientConfig()},
		{"Server.ClientConfig on a fleet", fleet.Addrs()[:1], srv.ClientConfig()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.ConnectTimeout = 10 * time.Second
			client, err := pssh.New(tt.hosts, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			_, err = client.Run(context.Background(), "true", nil)
			if hkErr, ok := errors.AsType[*pssh.HostKeyError](err); !ok || !strings.Contains(hkErr.Error(), "sshtest:") {
				t.Errorf("Run: %v, want a *pssh.HostKeyError from the ClientConfig callback", err)
			}
		})
	}
}

// TestClientConfigIgnoresUserSetup: ~/.ssh/config is not read, and no agent
// is needed. Not parallel: it changes HOME and SSH_AUTH_SOCK.
func TestClientConfigIgnoresUserSetup(t *testing.T) {
	home := t.TempDir()
	sshDir := filepath.Join(home, ".ssh")
	if err := os.Mkdir(sshDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Read, this configuration would send every connection nowhere.
	broken := "Host *\n  Port 1\n  User nobody\n  ProxyCommand false\n"
	if err := os.WriteFile(filepath.Join(sshDir, "config"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", filepath.Join(home, "no-agent.sock")) // no agent is needed

	srv := sshtest.Start(t, sshtest.Config{})
	fleet := sshtest.StartFleet(t, 2, sshtest.Config{})
	runAll(t, []string{srv.Addr}, srv.ClientConfig())
	runAll(t, fleet.Addrs(), fleet.ClientConfig())
}

// TestConfigsAreFresh: each call returns a new Config, so that a caller's
// changes stay its own.
func TestConfigsAreFresh(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.Config{})
	fleet := sshtest.StartFleet(t, 1, sshtest.Config{})
	for name, get := range map[string]func() *pssh.Config{
		"Server.ClientConfig": func() *pssh.Config { return srv.ClientConfig() },
		"Fleet.ClientConfig":  func() *pssh.Config { return fleet.ClientConfig() },
	} {
		a := get()
		a.User = "changed"
		a.Key[0] ^= 0xff
		b := get()
		if b.User != sshtest.ClientUser || b.Key[0] == a.Key[0] {
			t.Errorf("%s: a change to one Config shows in the next", name)
		}
	}
	if cfg := (&sshtest.Fleet{}).ClientConfig(); cfg.HostKeyCallback == nil || cfg.Key != nil {
		t.Errorf("empty fleet: %+v, want no key and a host key callback", cfg)
	}
}
