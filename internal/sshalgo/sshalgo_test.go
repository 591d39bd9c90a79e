package sshalgo

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestResolve(t *testing.T) {
	mac := Defaults(MAC) // hmac-sha2-256-etm, hmac-sha2-512-etm, hmac-sha2-256, hmac-sha2-512, hmac-sha1
	tests := []struct {
		name string
		kind Kind
		spec []string
		want []string
		err  string
	}{
		{"none: defaults", MAC, nil, mac, ""},
		{"append", MAC, []string{"+hmac-sha1-96"}, append(slices.Clone(mac), "hmac-sha1-96"), ""},
		{"append, commas in one item", HostKey, []string{"+ssh-rsa,ssh-rsa-cert-v01@openssh.com"},
			append(Defaults(HostKey), "ssh-rsa", "ssh-rsa-cert-v01@openssh.com"), ""},
		{"append a default: no duplicate", MAC, []string{"+hmac-sha1"}, mac, ""},
		{"remove", MAC, []string{"-hmac-sha1", "hmac-sha2-512"}, []string{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256"}, ""},
		{"remove a pattern", MAC, []string{"-*-etm@openssh.com"}, []string{"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"}, ""},
		{"first", MAC, []string{"^hmac-sha1"}, []string{"hmac-sha1", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"}, ""},
		{"replace", KeyExchange, []string{"curve25519-sha256", "diffie-hellman-group14-sha1"}, []string{"curve25519-sha256", "diffie-hellman-group14-sha1"}, ""},
		{"replace with a pattern", KeyExchange, []string{"ecdh-sha2-*"}, []string{"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"}, ""},
		{"spaces", Cipher, []string{" + aes128-cbc "}, append(Defaults(Cipher), "aes128-cbc"), ""},
		{"unknown", Cipher, []string{"+rot13"}, nil, `unknown algorithm "rot13"`},
		{"unknown when removing", Cipher, []string{"-rot13"}, nil, `unknown algorithm "rot13"`},
		{"wrong kind", Cipher, []string{"ssh-rsa"}, nil, `unknown algorithm "ssh-rsa"`},
		{"empty name", MAC, []string{"hmac-sha1,,hmac-sha2-256"}, nil, "empty algorithm name"},
		{"nothing left", MAC, []string{"-*"}, nil, "no algorithm left"},
		{"a pattern matching nothing", MAC, []string{"-umac-*"}, mac, ""},
		{"a name only OpenSSH knows", KeyExchange, []string{"sntrup761x25519-sha512", "curve25519-sha256"}, nil, `unknown algorithm "sntrup761x25519-sha512"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.kind, tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Resolve(%v) = %v, %v; want error %q", tt.spec, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Resolve(%v) = %v, %v; want %v", tt.spec, got, err, tt.want)
			}
		})
	}
}

// TestDefaultsAreNotWeak checks the rule the defaults follow: implemented by
// x/crypto, and none with a known weakness.
func TestDefaultsAreNotWeak(t *testing.T) {
	for _, k := range Kinds {
		for _, a := range Defaults(k) {
			if w := Weakness(a); w != "" {
				t.Errorf("%s default %s is weak: %s", k.Option(), a, w)
			}
			if !slices.Contains(Known(k), a) {
				t.Errorf("%s default %s is not implemented by x/crypto/ssh", k.Option(), a)
			}
		}
	}
	// Every algorithm x/crypto deems insecure is left out, with a reason.
	insecure := ssh.InsecureAlgorithms()
	for _, a := range slices.Concat(insecure.KeyExchanges, insecure.HostKeys, insecure.Ciphers, insecure.MACs) {
		if Weakness(a) == "" {
			t.Errorf("x/crypto deems %s insecure, but Weakness gives no reason", a)
		}
	}
}

// TestResolveSSHConfig: in ssh_config, which OpenSSH reads too, names only
// OpenSSH implements are left out rather than refused.
func TestResolveSSHConfig(t *testing.T) {
	got, err := ResolveSSHConfig(KeyExchange, []string{"sntrup761x25519-sha512@openssh.com,curve25519-sha256"})
	if err != nil || !slices.Equal(got, []string{"curve25519-sha256"}) {
		t.Errorf("ResolveSSHConfig = %v, %v; want [curve25519-sha256]", got, err)
	}
	if got, err := ResolveSSHConfig(MAC, []string{"-umac-64@openssh.com"}); err != nil || !slices.Equal(got, Defaults(MAC)) {
		t.Errorf("removing a MAC only OpenSSH has: %v, %v", got, err)
	}
	// As OpenSSH: empty names are skipped, a '-' list may name anything.
	if got, err := ResolveSSHConfig(Cipher, []string{"aes128-ctr,aes128-ctr,"}); err != nil || !slices.Equal(got, []string{"aes128-ctr"}) {
		t.Errorf("a repeated name and a trailing comma: %v, %v", got, err)
	}
	if got, err := ResolveSSHConfig(Cipher, []string{"-bogus"}); err != nil || !slices.Equal(got, Defaults(Cipher)) {
		t.Errorf("removing an unknown name: %v, %v", got, err)
	}
	if _, err := Resolve(Cipher, []string{"-bogus"}); err == nil {
		t.Error("Resolve (a Config field) accepts an unknown name in a '-' list")
	}
	for _, spec := range []string{"sntrup761x25519-sha512", "+rot13"} {
		if _, err := ResolveSSHConfig(KeyExchange, []string{spec}); err == nil {
			t.Errorf("ResolveSSHConfig(%q): no error", spec)
		}
	}
}

// TestEveryOpenSSHNameKnown checks the names of the installed OpenSSH
// (ssh -Q): each is implemented by x/crypto/ssh or listed as OpenSSH's
// only, so that an ssh_config written for it is read.
func TestEveryOpenSSHNameKnown(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh is missing; .ci/run installs openssh-client")
		}
		t.Skip("ssh is not installed")
	}
	for _, k := range Kinds {
		out, err := exec.Command("ssh", "-Q", k.Option()).Output()
		if err != nil {
			t.Fatalf("ssh -Q %s: %v", k.Option(), err)
		}
		for _, a := range strings.Fields(string(out)) {
			if !slices.Contains(Known(k), a) && !slices.Contains(opensshOnly[k], a) {
				t.Errorf("%s: OpenSSH's %s is neither implemented by x/crypto/ssh nor in opensshOnly", k.Option(), a)
			}
		}
	}
}

func TestKindOf(t *testing.T) {
	for what, want := range map[string]Kind{
		"key exchange": KeyExchange, "host key": HostKey,
		"client to server cipher": Cipher, "server to client cipher": Cipher,
		"client to server MAC": MAC, "server to client MAC": MAC,
	} {
		if got, ok := KindOf(what); !ok || got != want {
			t.Errorf("KindOf(%q) = %v, %t; want %v", what, got, ok, want)
		}
	}
	if _, ok := KindOf("client to server compression"); ok {
		t.Error("KindOf(compression) is a kind")
	}
}
