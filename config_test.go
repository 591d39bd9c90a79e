package pssh_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// startServer starts an sshtest server at addr, closed when the test ends.
func startServer(t *testing.T, addr string, cfg sshtest.Config) *sshtest.Server {
	t.Helper()
	srv, err := sshtest.NewServerAt(addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func generateKey(t *testing.T) *sshtest.Key {
	t.Helper()
	k, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// anyHostKey accepts the host keys of the given servers, whatever address
// was dialled.
func anyHostKey(servers ...*sshtest.Server) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		for _, s := range servers {
			if string(s.HostKey.Marshal()) == string(key.Marshal()) {
				return nil
			}
		}
		return errors.New("unknown host key")
	}
}

func TestHostConfigOverrides(t *testing.T) {
	keyB, keyC, wrongKey := generateKey(t), generateKey(t), generateKey(t)
	encC, err := keyC.EncryptedPEM([]byte("pass-c"))
	if err != nil {
		t.Fatal(err)
	}
	// A accepts only alice's password; B only keyB; C only keyC; D only
	// the client-wide password for bob.
	a := startServer(t, "127.0.0.1:0", sshtest.Config{Users: map[string]string{"alice": "pw-a"}})
	b := startServer(t, "127.0.0.2:0", sshtest.Config{AuthorizedKeys: []ssh.PublicKey{keyB.PublicKey()}})
	c := startServer(t, "127.0.0.3:0", sshtest.Config{AuthorizedKeys: []ssh.PublicKey{keyC.PublicKey()}})
	d := startServer(t, "127.0.0.4:0", sshtest.Config{Users: map[string]string{"bob": "pw-wide"}})

	hosts := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", d.Addr, "carol@" + a.Addr}
	cfg := &pssh.Config{
		IgnoreSSHConfig: true,
		User:            "bob",
		Port:            1, // nothing listens there: every host needs its own port
		Password:        "pw-wide",
		Key:             wrongKey.PEM,
		NoAgent:         true,
		NoDefaultKeys:   true,
		HostConfig: []pssh.HostConfig{
			{User: "alice", Port: a.Port(), Password: "pw-a", Alias: "alpha"},
			{User: "bea", Port: b.Port(), Key: keyB.PEM, Alias: "beta"},
			{Port: c.Port(), Key: encC, Passphrase: []byte("pass-c")},
			{}, // client-wide settings
			{User: "alice", Password: "pw-a", Port: 1}, // the host entry's user and port win
		},
		HostKeyCallback: anyHostKey(a, b, c, d),
		ConnectTimeout:  10 * time.Second,
	}
	cl := newClient(t, hosts, cfg)
	outs, err := cl.Run(ctxT(t), "echo ok", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		user, addr, alias string
		ok                bool
	}{
		{"alice", a.Addr, "alpha", true},
		{"bea", b.Addr, "beta", true},
		{"bob", c.Addr, "", true},
		{"bob", d.Addr, "", true},
		{"carol", a.Addr, "", false}, // carol has no password on A
	}
	for i, w := range want {
		o := outs[i]
		if o.User != w.user || o.Addr != w.addr || o.Alias != w.alias || o.Host != hosts[i] {
			t.Errorf("host %d: user %q addr %q alias %q host %q; want %q %q %q %q", i, o.User, o.Addr, o.Alias, o.Host, w.user, w.addr, w.alias, hosts[i])
		}
		if !w.ok {
			var ae *pssh.AuthenticationError
			if !errors.As(o.Err(), &ae) || ae.User != w.user {
				t.Errorf("host %d: %v, want an AuthenticationError for %s", i, o.Err(), w.user)
			}
			continue
		}
		if got := joinLines(o.Stdout); got != "ok" || o.Err() != nil {
			t.Errorf("host %d (%s): %q, %v", i, o.Host, got, o.Err())
		}
	}
}

func TestHostConfigLengthMismatch(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		_, err := pssh.New([]string{"a", "b"}, &pssh.Config{
			IgnoreSSHConfig: true,
			User:            "u", NoAgent: true, NoDefaultKeys: true, HostConfig: make([]pssh.HostConfig, n),
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		})
		if err == nil || !strings.Contains(err.Error(), strconv.Itoa(n)+" host configs for 2 hosts") {
			t.Errorf("%d host configs for 2 hosts: %v", n, err)
		}
	}
}

func TestNewRejectsBadHosts(t *testing.T) {
	tests := []struct {
		hosts []string
		want  []string // substrings of the error
	}{
		{[]string{"ok", "bad host"}, []string{"host #1", `"bad host"`, "position 3"}},
		{[]string{"a", "b", "c:0"}, []string{"host #2", `"c:0"`, "port"}},
		{[]string{"@h"}, []string{"host #0", `"@h"`, "empty user"}},
		{[]string{"h", "u@[::1"}, []string{"host #1", `"u@[::1"`, "position 2"}},
		{[]string{"h:"}, []string{"host #0", "empty port"}},
		{[]string{""}, []string{"host #0", "empty host"}},
		{[]string{"1:2:3"}, []string{"host #0", "IPv6"}},
	}
	for _, tt := range tests {
		_, err := pssh.New(tt.hosts, &pssh.Config{IgnoreSSHConfig: true, User: "u", NoAgent: true, NoDefaultKeys: true, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
		if err == nil {
			t.Errorf("%q: no error", tt.hosts)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not contain %q", tt.hosts, err, w)
			}
		}
	}
}

func TestIPv6Host(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	key := generateKey(t)
	srv := startServer(t, "[::1]:0", sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	port := strconv.Itoa(srv.Port())
	tests := []struct {
		host string
		port int // Config.Port
	}{
		{"[::1]:" + port, 0},
		{"u@[::1]:" + port, 0},
		{"::1", srv.Port()},
		{"[::1]", srv.Port()},
	}
	for _, tt := range tests {
		c := newClient(t, []string{tt.host}, &pssh.Config{
			IgnoreSSHConfig: true,
			User:            "u", Port: tt.port, Key: key.PEM, NoAgent: true, NoDefaultKeys: true,
			HostKeyCallback: srv.HostKeyCallback(), ConnectTimeout: 10 * time.Second,
		})
		outs, err := c.Run(ctxT(t), "echo v6", nil)
		if err != nil {
			t.Errorf("%s: %v", tt.host, err)
			continue
		}
		if got := joinLines(outs[0].Stdout); got != "v6" || outs[0].Addr != srv.Addr || outs[0].User != "u" {
			t.Errorf("%s: %q from %s as %s", tt.host, got, outs[0].Addr, outs[0].User)
		}
	}
}

func TestEncryptedKey(t *testing.T) {
	key := generateKey(t)
	enc, err := key.EncryptedPEM([]byte("s3cret-pp"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "127.0.0.1:0", sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	keyFile := writeFile(t, "id_ed25519", string(enc))
	tests := []struct {
		name       string
		key        []byte
		keyFile    string
		passphrase string
		wantErr    string // from New; "" means the run works
	}{
		{name: "bytes", key: enc, passphrase: "s3cret-pp"},
		{name: "file", keyFile: keyFile, passphrase: "s3cret-pp"},
		{name: "wrong passphrase", key: enc, passphrase: "nope-pp", wantErr: "wrong passphrase"},
		{name: "no passphrase", keyFile: keyFile, wantErr: "no passphrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := pssh.New([]string{srv.Addr}, &pssh.Config{
				IgnoreSSHConfig: true,
				User:            "u", Key: tt.key, KeyFile: tt.keyFile, Passphrase: []byte(tt.passphrase),
				NoAgent: true, NoDefaultKeys: true, HostKeyCallback: srv.HostKeyCallback(),
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want an error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret-pp") || tt.passphrase != "" && strings.Contains(err.Error(), tt.passphrase) {
					t.Errorf("error %q shows the passphrase", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			outs, err := c.Run(ctxT(t), "echo unlocked", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := joinLines(outs[0].Stdout); got != "unlocked" {
				t.Fatalf("%q", got)
			}
		})
	}
}

// A HostConfig field left zero keeps the client's value: that includes
// Passphrase, for a host key encrypted with the client-wide passphrase.
func TestHostConfigKeepsClientPassphrase(t *testing.T) {
	key := generateKey(t)
	enc, err := key.EncryptedPEM([]byte("wide-pp"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "127.0.0.1:0", sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	c, err := pssh.New([]string{srv.Addr}, &pssh.Config{
		IgnoreSSHConfig: true,
		User:            "u", Passphrase: []byte("wide-pp"), NoAgent: true, NoDefaultKeys: true,
		HostConfig:      []pssh.HostConfig{{Key: enc}},
		HostKeyCallback: srv.HostKeyCallback(),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	outs, err := c.Run(ctxT(t), "echo unlocked", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "unlocked" {
		t.Fatalf("%q", got)
	}
}
