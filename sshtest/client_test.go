package sshtest

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// login logs in to srv with key, runs `echo ok` and returns an error
// unless that worked.
func login(srv *Server, key *Key) error {
	client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User:            "anyone",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: srv.HostKeyCallback(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		return err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	out, err := sess.Output("echo ok")
	if err != nil || string(out) != "ok\n" {
		return fmt.Errorf("echo ok: (%q, %v)", out, err)
	}
	return nil
}

func mustKey(t *testing.T) *Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestClientKey: every server accepts its client key, whatever else its
// Config accepts, unless RejectAuth.
func TestClientKey(t *testing.T) {
	t.Parallel()
	given := mustKey(t)
	other := mustKey(t)
	tests := []struct {
		name    string
		cfg     Config
		wantKey *Key // nil: a generated one
		wantOK  bool
	}{
		{"zero config", Config{}, nil, true},
		{"password", Config{Password: "pw"}, nil, true},
		{"users", Config{Users: map[string]string{"alice": "pw"}}, nil, true},
		{"authorized keys", Config{AuthorizedKeys: []ssh.PublicKey{other.PublicKey()}}, nil, true},
		{"no client auth", Config{NoClientAuth: true}, nil, true},
		{"given key", Config{ClientKey: given}, given, true},
		{"RejectAuth", Config{Faults: Faults{RejectAuth: true}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tt.cfg)
			key := srv.ClientKey()
			if key == nil || key.Signer == nil || len(key.PEM) == 0 {
				t.Fatalf("ClientKey() = %+v, want a key with Signer and PEM", key)
			}
			if tt.wantKey != nil && key != tt.wantKey {
				t.Errorf("ClientKey() is not Config.ClientKey")
			}
			if err := login(srv, srv.ClientKey()); (err == nil) != tt.wantOK {
				t.Errorf("login with the client key: %v, want success %v", err, tt.wantOK)
			}
		})
	}

	// Each server generates its own; a fleet's servers share one.
	a, b := startServer(t, Config{}), startServer(t, Config{})
	if bytes.Equal(a.ClientKey().PublicKey().Marshal(), b.ClientKey().PublicKey().Marshal()) {
		t.Error("two servers generated the same client key")
	}
	if err := login(a, b.ClientKey()); err == nil {
		t.Error("a server accepted another server's client key")
	}
	fleet, err := NewFleetFunc(3, func(i int) Config {
		if i == 2 {
			return Config{ClientKey: given}
		}
		return Config{}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	if fleet.Servers[0].ClientKey() != fleet.Servers[1].ClientKey() {
		t.Error("fleet servers 0 and 1 have client keys of their own, want one shared")
	}
	if fleet.Servers[2].ClientKey() != given {
		t.Error("fleet server 2 does not have its Config.ClientKey")
	}
}

func TestHostKeys(t *testing.T) {
	t.Parallel()
	keys := map[string]*Key{}
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256} {
		k, err := GenerateKeyType(typ)
		if err != nil {
			t.Fatal(err)
		}
		keys[typ] = k
	}
	replacement := mustKey(t) // a second ed25519 key replaces the first
	tests := []struct {
		name string
		cfg  Config
		want []ssh.PublicKey
	}{
		{"HostKey only", Config{HostKey: keys[ssh.KeyAlgoED25519].Signer},
			[]ssh.PublicKey{keys[ssh.KeyAlgoED25519].PublicKey()}},
		{"HostKey and HostKeys", Config{HostKey: keys[ssh.KeyAlgoED25519].Signer, HostKeys: []ssh.Signer{keys[ssh.KeyAlgoECDSA256].Signer}},
			[]ssh.PublicKey{keys[ssh.KeyAlgoED25519].PublicKey(), keys[ssh.KeyAlgoECDSA256].PublicKey()}},
		{"same type replaced", Config{HostKey: keys[ssh.KeyAlgoED25519].Signer, HostKeys: []ssh.Signer{keys[ssh.KeyAlgoECDSA256].Signer, replacement.Signer}},
			[]ssh.PublicKey{replacement.PublicKey(), keys[ssh.KeyAlgoECDSA256].PublicKey()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tt.cfg)
			got := srv.HostKeys()
			if len(got) != len(tt.want) {
				t.Fatalf("HostKeys() has %d keys, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i].Marshal(), tt.want[i].Marshal()) {
					t.Errorf("HostKeys()[%d] is a %s key, not the expected %s key", i, got[i].Type(), tt.want[i].Type())
				}
			}
			// The key the client's default preference picks is among them.
			var shown ssh.PublicKey
			client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
				User: "u",
				Auth: []ssh.AuthMethod{ssh.PublicKeys(srv.ClientKey().Signer)},
				HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
					shown = key
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			client.Close()
			found := false
			for _, k := range got {
				found = found || bytes.Equal(k.Marshal(), shown.Marshal())
			}
			if !found {
				t.Errorf("the server showed a %s key not in HostKeys()", shown.Type())
			}
		})
	}
}
