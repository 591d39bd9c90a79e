package pssh_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestParseHostKeyPolicy(t *testing.T) {
	tests := []struct {
		in   string
		want pssh.HostKeyPolicy
		err  string
	}{
		{"yes", pssh.HostKeyStrict, ""},
		{"Yes", pssh.HostKeyStrict, ""},
		{"true", pssh.HostKeyStrict, ""},
		{"accept-new", pssh.HostKeyAcceptNew, ""},
		{"no", pssh.HostKeyInsecureIgnore, ""},
		{"off", pssh.HostKeyInsecureIgnore, ""},
		{"false", pssh.HostKeyInsecureIgnore, ""},
		{"ask", 0, "interactive"},
		{"maybe", 0, "unknown"},
	}
	for _, tt := range tests {
		got, err := pssh.ParseHostKeyPolicy(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want one saying %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
		if back, _ := pssh.ParseHostKeyPolicy(got.String()); back != got {
			t.Errorf("%v does not parse back from %q", got, got.String())
		}
	}
	if _, err := pssh.New([]string{"h"}, &pssh.Config{IgnoreSSHConfig: true, User: "u", HostKeyPolicy: 7, KnownHostsFiles: []string{writeFile(t, "kh", "")}}); err == nil {
		t.Error("New accepted HostKeyPolicy 7")
	}
}

// knownHostsCase is one known_hosts state for a host under test.
type knownHostsCase struct {
	name    string
	content func(addr string, key, other ssh.PublicKey) string
	want    string // "ok", "unknown" or "changed"
}

var knownHostsCases = []knownHostsCase{
	{"unknown", func(string, ssh.PublicKey, ssh.PublicKey) string { return "" }, "unknown"},
	{"known", func(addr string, key, _ ssh.PublicKey) string { return knownhosts.Line([]string{addr}, key) + "\n" }, "ok"},
	{"changed", func(addr string, _, other ssh.PublicKey) string {
		return "# another host\n" + knownhosts.Line([]string{addr}, other) + "\n"
	}, "changed"},
}

// checkPolicyOutcome checks the outcome of a run under policy for one
// known_hosts case: the error, its text, and what was appended.
func checkPolicyOutcome(t *testing.T, policy pssh.HostKeyPolicy, tc knownHostsCase, err error, addr, file, before string, key ssh.PublicKey) {
	t.Helper()
	fp := ssh.FingerprintSHA256(key)
	after, _ := os.ReadFile(file)
	want := tc.want
	if want == "unknown" && policy != pssh.HostKeyStrict {
		want = "ok"
	}
	var hk *pssh.HostKeyError
	switch want {
	case "ok":
		if err != nil {
			t.Fatalf("%v: %v", policy, err)
		}
	case "unknown":
		if !errors.As(err, &hk) || !hk.Unknown || hk.Fingerprint != fp || hk.KeyType != key.Type() {
			t.Fatalf("%v: err %#v, want an Unknown *HostKeyError with the key", policy, err)
		}
		for _, s := range []string{addr, fp, "not in known_hosts", "ssh-keyscan", "HostKeyAcceptNew"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	case "changed":
		line := knownhosts.Normalize(addr) + " "
		if !errors.As(err, &hk) || hk.Unknown || hk.Fingerprint != fp || len(hk.Known) != 1 ||
			!strings.HasPrefix(hk.Known[0], file+":2: "+line) {
			t.Fatalf("%v: err %#v, want a changed-key *HostKeyError naming %s:2", policy, err, file)
		}
		for _, s := range []string{addr, fp, "CHANGED", hk.Known[0], "ssh-keygen -R '" + knownhosts.Normalize(addr) + "' -f " + file} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	}
	appended := string(after) != before
	if wantAppend := tc.want == "unknown" && policy == pssh.HostKeyAcceptNew; appended != wantAppend {
		t.Errorf("%v: known_hosts appended to: %v, want %v", policy, appended, wantAppend)
	}
	if appended && string(after) != before+knownhosts.Line([]string{addr}, key)+"\n" {
		t.Errorf("appended %q", strings.TrimPrefix(string(after), before))
	}
}

var policies = []pssh.HostKeyPolicy{pssh.HostKeyStrict, pssh.HostKeyAcceptNew, pssh.HostKeyInsecureIgnore}

func TestHostKeyPolicies(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	srv := fleet.Servers[0]
	other, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.HostKeyCallback = nil
	for _, tc := range knownHostsCases {
		for _, policy := range policies {
			t.Run(tc.name+"/"+policy.String(), func(t *testing.T) {
				content := tc.content(srv.Addr, srv.HostKey, other.PublicKey())
				file := writeFile(t, "known_hosts", content)
				cfg := *cfg
				cfg.KnownHostsFiles = []string{file}
				cfg.HostKeyPolicy = policy
				sessions := srv.Sessions()
				_, err := newClient(t, fleet.Addrs(), &cfg).Run(ctxT(t), "true", nil)
				checkPolicyOutcome(t, policy, tc, err, srv.Addr, file, content, srv.HostKey)
				if err != nil && srv.Sessions() != sessions {
					t.Error("a command ran on a host whose key was refused")
				}
			})
		}
	}
}

// TestAcceptNewFleet: 200 new hosts accepted at once leave a known_hosts
// file (created, mode 0600) with one valid line each; a second client
// appends nothing and trusts them all.
func TestAcceptNewFleet(t *testing.T) {
	const n = 200
	fleet, cfg := testFleet(t, n, sshtest.Faults{})
	cfg.HostKeyCallback = nil
	cfg.HostKeyPolicy = pssh.HostKeyAcceptNew
	file := filepath.Join(t.TempDir(), "ssh", "known_hosts")
	cfg.KnownHostsFiles = []string{file}
	for round := range 2 {
		c := newClient(t, fleet.Addrs(), cfg)
		if _, err := c.Run(ctxT(t), "true", nil); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		c.Close()
		got := strings.Split(strings.TrimSuffix(string(mustRead(t, file)), "\n"), "\n")
		want := strings.Split(strings.TrimSuffix(string(fleet.KnownHosts()), "\n"), "\n")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: %d lines, want the fleet's %d, once each", round, len(got), len(want))
		}
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %v %v, want 0600", fi.Mode(), err)
	}
	// Strict from now on: all known.
	cfg.HostKeyPolicy = pssh.HostKeyStrict
	if _, err := newClient(t, fleet.Addrs(), cfg).Run(ctxT(t), "true", nil); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostKeyNegotiation: a server with ed25519, RSA and ECDSA host keys
// shows the one known_hosts has, whichever it is (golang/go#29286).
func TestHostKeyNegotiation(t *testing.T) {
	keys := map[string]*sshtest.Key{}
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoRSA, ssh.KeyAlgoECDSA256} {
		k, err := sshtest.GenerateKeyType(typ)
		if err != nil {
			t.Fatal(err)
		}
		keys[typ] = k
	}
	clientKey, _ := sshtest.GenerateKey()
	srv, err := sshtest.NewServer(sshtest.Config{
		AuthorizedKeys: []ssh.PublicKey{clientKey.PublicKey()},
		HostKey:        keys[ssh.KeyAlgoED25519].Signer,
		HostKeys:       []ssh.Signer{keys[ssh.KeyAlgoRSA].Signer, keys[ssh.KeyAlgoECDSA256].Signer},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for typ, k := range keys {
		t.Run(typ, func(t *testing.T) {
			file := writeFile(t, "known_hosts", knownhosts.Line([]string{srv.Addr}, k.PublicKey())+"\n")
			// x/crypto's own order would make the server show another key.
			cb, _ := knownhosts.New(file)
			if typ != ssh.KeyAlgoECDSA256 {
				if c, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{User: "u", Auth: []ssh.AuthMethod{ssh.PublicKeys(clientKey.Signer)}, HostKeyCallback: cb}); err == nil {
					c.Close()
					t.Fatal("x/crypto's default order got the known key: the test shows nothing")
				}
			}
			c := newClient(t, []string{srv.Addr}, &pssh.Config{IgnoreSSHConfig: true, User: "u", Key: clientKey.PEM, NoAgent: true, NoDefaultKeys: true, KnownHostsFiles: []string{file}, ConnectTimeout: 10 * time.Second})
			if _, err := c.Run(ctxT(t), "true", nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestHostCertificate: a host certificate signed by a CA listed with
// @cert-authority is accepted; one by another CA, or by a revoked CA, is not.
func TestHostCertificate(t *testing.T) {
	ca, _ := sshtest.GenerateKey()
	otherCA, _ := sshtest.GenerateKey()
	hostKey, _ := sshtest.GenerateKeyType(ssh.KeyAlgoECDSA256)
	clientKey, _ := sshtest.GenerateKey()
	caLine := func(c *sshtest.Key) string {
		return strings.TrimSpace(string(c.AuthorizedKey()))
	}
	tests := []struct {
		name    string
		signer  *sshtest.Key
		known   string
		policy  pssh.HostKeyPolicy
		ok      bool
		revoked bool
		unknown bool
	}{
		{"listed CA", ca, "@cert-authority ADDR " + caLine(ca), pssh.HostKeyStrict, true, false, false},
		{"wildcard CA", ca, "@cert-authority 127.0.0.* " + caLine(ca), pssh.HostKeyStrict, true, false, false},
		// As ssh: a certificate no authority of the host signed is
		// checked as its plain key.
		{"other CA", otherCA, "@cert-authority 127.0.0.* " + caLine(ca), pssh.HostKeyStrict, false, false, true},
		{"other CA, accept-new", otherCA, "@cert-authority 127.0.0.* " + caLine(ca), pssh.HostKeyAcceptNew, true, false, false},
		{"revoked CA", ca, "@cert-authority 127.0.0.* " + caLine(ca) + "\n@revoked * " + caLine(ca), pssh.HostKeyInsecureIgnore, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := &ssh.Certificate{
				Key: hostKey.PublicKey(), CertType: ssh.HostCert, KeyId: "host",
				ValidPrincipals: []string{"127.0.0.1"},
				ValidBefore:     ssh.CertTimeInfinity,
			}
			if err := cert.SignCert(rand.Reader, tt.signer.Signer); err != nil {
				t.Fatal(err)
			}
			certSigner, err := ssh.NewCertSigner(cert, hostKey.Signer)
			if err != nil {
				t.Fatal(err)
			}
			srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{clientKey.PublicKey()}, HostKey: certSigner})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			known := strings.ReplaceAll(tt.known, "ADDR", knownhosts.Normalize(srv.Addr))
			file := writeFile(t, "known_hosts", known+"\n")
			c := newClient(t, []string{srv.Addr}, &pssh.Config{IgnoreSSHConfig: true, User: "u", Key: clientKey.PEM, NoAgent: true, NoDefaultKeys: true,
				KnownHostsFiles: []string{file}, HostKeyPolicy: tt.policy, ConnectTimeout: 10 * time.Second})
			_, err = c.Run(ctxT(t), "true", nil)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var hk *pssh.HostKeyError
			if !errors.As(err, &hk) || hk.Revoked != tt.revoked || hk.Unknown != tt.unknown {
				t.Fatalf("err %#v", err)
			}
			if string(mustRead(t, file)) != known+"\n" {
				t.Error("known_hosts was written to")
			}
			if tt.revoked && (!strings.Contains(err.Error(), "REVOKED") || !strings.Contains(err.Error(), file+":2: @revoked")) {
				t.Errorf("error %q does not name the @revoked line", err)
			}
		})
	}
}

// TestHostKeyRevoked: a key marked @revoked is refused under every policy,
// even with a line that accepts it.
func TestHostKeyRevoked(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	srv := fleet.Servers[0]
	cfg.HostKeyCallback = nil
	content := fmt.Sprintf("%s\n@revoked * %s", srv.KnownHostsLine(), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey))))
	for _, policy := range policies {
		cfg := *cfg
		cfg.HostKeyPolicy = policy
		cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", content)}
		_, err := newClient(t, fleet.Addrs(), &cfg).Run(ctxT(t), "true", nil)
		var hk *pssh.HostKeyError
		if !errors.As(err, &hk) || !hk.Revoked || len(hk.Known) != 1 || !strings.Contains(hk.Known[0], ":2: @revoked") {
			t.Errorf("%v: %v", policy, err)
		}
	}
}

// TestHostKeyCallbackOverrides: HostKeyCallback replaces known_hosts
// checking entirely.
func TestHostKeyCallbackOverrides(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "missing")}
	cfg.HostKeyPolicy = pssh.HostKeyAcceptNew
	called := false
	inner := cfg.HostKeyCallback
	cfg.HostKeyCallback = func(h string, r net.Addr, k ssh.PublicKey) error { called = true; return inner(h, r, k) }
	if _, err := newClient(t, fleet.Addrs(), cfg).Run(ctxT(t), "true", nil); err != nil || !called {
		t.Fatalf("%v, called %v", err, called)
	}
	if _, err := os.Stat(cfg.KnownHostsFiles[0]); !errors.Is(err, os.ErrNotExist) {
		t.Error("known_hosts written with a HostKeyCallback set")
	}
	// Its refusal is a *HostKeyError with the offered key.
	errNo := errors.New("not today")
	cfg.HostKeyCallback = func(string, net.Addr, ssh.PublicKey) error { return errNo }
	_, err := newClient(t, fleet.Addrs(), cfg).Run(ctxT(t), "true", nil)
	var hk *pssh.HostKeyError
	fp := ssh.FingerprintSHA256(fleet.Servers[0].HostKey)
	if !errors.As(err, &hk) || !errors.Is(err, errNo) || hk.Fingerprint != fp || !strings.Contains(err.Error(), fp) {
		t.Fatalf("err %v, want a *HostKeyError with the callback's error and the fingerprint", err)
	}
}
