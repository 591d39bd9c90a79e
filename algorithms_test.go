package pssh_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"github.com/gopssh/pssh/sshtest"
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
	if err := outs[0].Err(); err == nil || !strings.Contains(err.Error(), "no cipher algorithm in common") {
		t.Errorf("offering only %v to a server allowing aes256-ctr: error %v, want no cipher algorithm in common", cfg.Ciphers, err)
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

// TestWeakAlgorithmsRefused runs pssh against servers that offer only an
// algorithm OpenSSH 9 no longer offers: the host fails with a
// *ConnectionError wrapping an *AlgorithmError that names the algorithm and
// the option allowing it, and connects once the option allows it.
func TestWeakAlgorithmsRefused(t *testing.T) {
	tests := []struct {
		name       string
		server     sshtest.Config
		knownHosts bool // check the host key against known_hosts rather than a callback
		option     string
		allow      func(*pssh.Config)
		disabled   string
	}{
		{"ssh-rsa host key", sshtest.Config{HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}}, false,
			"HostKeyAlgorithms", func(c *pssh.Config) { c.HostKeyAlgorithms = []string{"+ssh-rsa"} }, ssh.KeyAlgoRSA},
		{"ssh-rsa host key in known_hosts", sshtest.Config{HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}}, true,
			"HostKeyAlgorithms", func(c *pssh.Config) { c.HostKeyAlgorithms = []string{"+ssh-rsa"} }, ssh.KeyAlgoRSA},
		{"SHA-1 key exchange", sshtest.Config{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}, false,
			"KexAlgorithms", func(c *pssh.Config) { c.KeyExchanges = []string{"+diffie-hellman-group14-sha1"} }, ssh.InsecureKeyExchangeDH14SHA1},
		{"96-bit MAC", sshtest.Config{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.InsecureHMACSHA196}}, false,
			"MACs", func(c *pssh.Config) { c.MACs = []string{"+hmac-sha1-96"} }, ssh.InsecureHMACSHA196},
		{"CBC cipher", sshtest.Config{Ciphers: []string{ssh.InsecureCipherAES128CBC}}, false,
			"Ciphers", func(c *pssh.Config) { c.Ciphers = []string{"+aes128-cbc"} }, ssh.InsecureCipherAES128CBC},
		{"3DES-CBC cipher", sshtest.Config{Ciphers: []string{ssh.InsecureCipherTripleDESCBC}}, false,
			"Ciphers", func(c *pssh.Config) { c.Ciphers = []string{"^3des-cbc"} }, ssh.InsecureCipherTripleDESCBC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.server.Handler = sshtest.Output([]byte("ok\n"), nil, sshtest.Exit{})
			srv := sshtest.Start(t, tt.server)
			config := func() *pssh.Config {
				cfg := srv.ClientConfig()
				if tt.knownHosts {
					cfg.HostKeyCallback = nil
					cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", srv.KnownHostsLine()+"\n")}
				}
				return cfg
			}
			c := newClient(t, []string{srv.Addr}, config())
			outs, err := c.Run(ctxT(t), "x", &pssh.RunOptions{ContinueOnErrors: true})
			if err != nil {
				t.Fatal(err)
			}
			err = outs[0].Err()
			var ce *pssh.ConnectionError
			var ae *pssh.AlgorithmError
			if !errors.As(err, &ce) || !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want a *ConnectionError wrapping an *AlgorithmError", err, err)
			}
			if ae.Option != tt.option || !slices.Equal(ae.Disabled, []string{tt.disabled}) {
				t.Errorf("Option %q, Disabled %q; want %q, [%s]", ae.Option, ae.Disabled, tt.option, tt.disabled)
			}
			if fix := "-O " + tt.option + "=+" + tt.disabled; !strings.Contains(err.Error(), fix) || strings.Count(err.Error(), srv.Addr) != 1 {
				t.Errorf("error %q does not name the host once and the fix %q", err, fix)
			}
			if k := outs[0].Failure(); k != pssh.FailureConnection {
				t.Errorf("Failure() = %v, want %v", k, pssh.FailureConnection)
			}

			cfg := config()
			tt.allow(cfg)
			c = newClient(t, []string{srv.Addr}, cfg)
			outs, err = c.Run(ctxT(t), "x", nil)
			if err != nil {
				t.Fatalf("allowed: %v", err)
			}
			if got := joinLines(outs[0].Stdout); got != "ok" {
				t.Errorf("allowed: output %q, want ok", got)
			}
		})
	}
}

// TestNoCommonAlgorithmBounded checks the error when the server offers no
// algorithm pssh implements at all: it quotes only the start of the
// server's list, escaped.
func TestNoCommonAlgorithmBounded(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{Ciphers: []string{ssh.CipherAES256CTR}})
	cfg := srv.ClientConfig()
	cfg.Ciphers = []string{ssh.CipherAES128GCM}
	c := newClient(t, []string{srv.Addr}, cfg)
	outs, err := c.Run(ctxT(t), "x", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	var ae *pssh.AlgorithmError
	if !errors.As(outs[0].Err(), &ae) || ae.What != "cipher" || !slices.Equal(ae.Disabled, []string{ssh.CipherAES256CTR}) {
		t.Fatalf("error %v, want an *AlgorithmError for ciphers with aes256-ctr disabled", outs[0].Err())
	}
	// Made by hand: a server offering nothing known, and very many names.
	offer := make([]string, 1000)
	for i := range offer {
		offer[i] = fmt.Sprintf("x%d\x1b]0;title\x07@example.org", i)
	}
	e := &pssh.AlgorithmError{What: "cipher", Option: "Ciphers", Field: "Ciphers", ServerOffer: offer[:8]}
	if s := e.Error(); len(s) > 500 || strings.ContainsRune(s, '\x1b') {
		t.Errorf("error text %d bytes, or holds a raw escape: %q", len(s), s)
	}
}

// captureKexInit returns a Dial for Config.Dial that records what the
// client writes, and a function returning the name-lists of the client's
// first KEXINIT: kex, host key, ciphers and MACs (client to server).
func captureKexInit(t *testing.T) (func(context.Context, string, string) (net.Conn, error), func() [4][]string) {
	var mu sync.Mutex
	var written []byte
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &recordConn{Conn: conn, record: func(b []byte) {
			mu.Lock()
			written = append(written, b...)
			mu.Unlock()
		}}, nil
	}
	lists := func() [4][]string {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		_, pkt, ok := bytes.Cut(written, []byte("\r\n")) // after the version line
		if !ok || len(pkt) < 6+17 || pkt[5] != 20 {
			t.Fatalf("no KEXINIT in what the client wrote: %q", written)
		}
		p := pkt[6+16:]    // message type and cookie
		var all [][]string // kex, host key, ciphers c2s and s2c, MACs c2s and s2c, ...
		for range 10 {
			n := int(binary.BigEndian.Uint32(p))
			all = append(all, strings.Split(string(p[4:4+n]), ","))
			p = p[4+n:]
		}
		return [4][]string{all[0], all[1], all[2], all[4]}
	}
	return dial, lists
}

type recordConn struct {
	net.Conn
	record func([]byte)
}

func (c *recordConn) Write(b []byte) (int, error) {
	c.record(b)
	return c.Conn.Write(b)
}

// TestDefaultAlgorithmsOffered reads the client's KEXINIT off the wire:
// it offers exactly the defaults, nothing weak, and strict key exchange
// (the Terrapin countermeasure), also when the list is configured.
func TestDefaultAlgorithmsOffered(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{Handler: sshtest.Output(nil, nil, sshtest.Exit{})})
	for _, tt := range []struct {
		name string
		kex  []string
	}{
		{"defaults", nil},
		{"KeyExchanges set", []string{"curve25519-sha256"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dial, lists := captureKexInit(t)
			cfg := srv.ClientConfig()
			cfg.Dial, cfg.KeyExchanges = dial, tt.kex
			c := newClient(t, []string{srv.Addr}, cfg)
			if _, err := c.Run(ctxT(t), "x", nil); err != nil {
				t.Fatal(err)
			}
			got := lists()
			if !slices.Contains(got[0], "kex-strict-c-v00@openssh.com") {
				t.Errorf("key exchanges %v: no strict key exchange", got[0])
			}
			kex := slices.DeleteFunc(slices.Clone(got[0]), func(a string) bool {
				return a == "kex-strict-c-v00@openssh.com" || a == "ext-info-c" || a == "curve25519-sha256@libssh.org"
			})
			wantKex := pssh.DefaultKeyExchanges()
			if tt.kex != nil {
				wantKex = tt.kex
			}
			for i, want := range [][]string{wantKex, pssh.DefaultHostKeyAlgorithms(), pssh.DefaultCiphers(), pssh.DefaultMACs()} {
				list := [][]string{kex, got[1], got[2], got[3]}[i]
				if !slices.Equal(list, want) {
					t.Errorf("list %d offered: %v, want %v", i, list, want)
				}
			}
			insecure := ssh.InsecureAlgorithms()
			for _, a := range slices.Concat(got[0], got[1], got[2], got[3]) {
				if slices.Contains(slices.Concat(insecure.KeyExchanges, insecure.HostKeys, insecure.Ciphers, insecure.MACs), a) {
					t.Errorf("offers %s, which x/crypto/ssh deems insecure", a)
				}
			}
		})
	}
}

// TestDefaultAlgorithmsMatchOpenSSH compares the defaults with those of
// the installed OpenSSH client (ssh -G), where both implement the
// algorithm: the same names, in the same order (ciphers, which pssh orders
// by CPU, as a set).
func TestDefaultAlgorithmsMatchOpenSSH(t *testing.T) {
	requireCommand(t, "ssh")
	out, err := exec.Command("ssh", "-G", "-F", "/dev/null", "pssh-algorithms.invalid").Output()
	if err != nil {
		t.Fatalf("ssh -G: %v", err)
	}
	sshDefaults := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			sshDefaults[k] = strings.Split(v, ",")
		}
	}
	goKnows := func(a ssh.Algorithms) []string { return slices.Concat(a.KeyExchanges, a.HostKeys, a.Ciphers, a.MACs) }
	xcrypto := slices.Concat(goKnows(ssh.SupportedAlgorithms()), goKnows(ssh.InsecureAlgorithms()))
	for _, tt := range []struct {
		option  string
		ours    []string
		ordered bool
	}{
		{"KexAlgorithms", pssh.DefaultKeyExchanges(), true},
		{"HostKeyAlgorithms", pssh.DefaultHostKeyAlgorithms(), true},
		{"Ciphers", pssh.DefaultCiphers(), false},
		{"MACs", pssh.DefaultMACs(), true},
	} {
		q, err := exec.Command("ssh", "-Q", tt.option).Output()
		if err != nil {
			t.Fatalf("ssh -Q %s: %v", tt.option, err)
		}
		sshKnows := strings.Fields(string(q))
		// Ours that this ssh knows (ML-KEM is OpenSSH 9.9's), against
		// OpenSSH's that x/crypto implements.
		ours := slices.DeleteFunc(slices.Clone(tt.ours), func(a string) bool { return !slices.Contains(sshKnows, a) })
		theirs := slices.DeleteFunc(sshDefaults[strings.ToLower(tt.option)], func(a string) bool { return !slices.Contains(xcrypto, a) })
		if !tt.ordered {
			slices.Sort(ours)
			slices.Sort(theirs)
		}
		if !slices.Equal(ours, theirs) {
			t.Errorf("%s: pssh's defaults %v, OpenSSH's (that x/crypto implements) %v", tt.option, ours, theirs)
		}
	}
}

// TestSSHConfigAlgorithms: ssh_config's HostKeyAlgorithms allows SHA-1
// signatures for the hosts it names only, and a Config field beats it.
func TestSSHConfigAlgorithms(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}, Handler: sshtest.Output([]byte("ok\n"), nil, sshtest.Exit{})})
	host, port, _ := net.SplitHostPort(srv.Addr)
	file := writeFile(t, "ssh_config", fmt.Sprintf("Host old\n  HostKeyAlgorithms +ssh-rsa\nHost *\n  HostName %s\n  Port %s\n", host, port))
	for _, tt := range []struct {
		name  string
		field []string
		ok    [2]bool // old, new
	}{
		{"ssh_config", nil, [2]bool{true, false}},
		{"Config beats it", []string{"-ssh-rsa"}, [2]bool{false, false}},
		{"Config for all", []string{"+ssh-rsa"}, [2]bool{true, true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.ClientConfig()
			cfg.IgnoreSSHConfig, cfg.SSHConfigFile, cfg.HostKeyAlgorithms = false, file, tt.field
			c := newClient(t, []string{"old", "new"}, cfg)
			outs, err := c.Run(ctxT(t), "x", &pssh.RunOptions{ContinueOnErrors: true})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range outs {
				var ae *pssh.AlgorithmError
				if got := o.Err() == nil; got != tt.ok[i] || (!got && !errors.As(o.Err(), &ae)) {
					t.Errorf("%s: error %v, want success %t or an *AlgorithmError", o.Host, o.Err(), tt.ok[i])
				}
			}
		})
	}
	bad := writeFile(t, "ssh_config", "Host *\n  MACs +hmac-rot13\n")
	if _, err := pssh.New([]string{"h"}, &pssh.Config{SSHConfigFile: bad, User: "u", NoAgent: true}); err == nil || !strings.Contains(err.Error(), bad+":2") {
		t.Errorf("ssh_config with an unknown MAC: %v, want an error naming %s:2", err, bad)
	}
}

// TestOpenSSHWeakKexRefused: a real sshd that allows only a SHA-1 key
// exchange is refused, naming it, and reached once it is allowed.
func TestOpenSSHWeakKexRefused(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{ExtraConfig: []string{"KexAlgorithms diffie-hellman-group14-sha1"}})
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), "echo ok", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	var ae *pssh.AlgorithmError
	if !errors.As(outs[0].Err(), &ae) || !slices.Equal(ae.Disabled, []string{"diffie-hellman-group14-sha1"}) || ae.Option != "KexAlgorithms" {
		t.Fatalf("error %v, want an *AlgorithmError naming diffie-hellman-group14-sha1", outs[0].Err())
	}
	cfg.KeyExchanges = []string{"+diffie-hellman-group14-sha1"}
	c = newClient(t, s.Addrs, cfg)
	outs, err = c.Run(ctxT(t), "echo ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "ok" {
		t.Errorf("allowed: output %q, want ok", got)
	}
}
