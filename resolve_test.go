package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
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

	hosts := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", d.Addr, "carol@" + a.Addr, "named-b"}
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
			{User: "alice", Password: "pw-a", Port: 1},             // the host entry's user and port win
			{HostName: "127.0.0.2", Port: b.Port(), Key: keyB.PEM}, // a name, and the address to reach it at
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
		{"bob", b.Addr, "", true},
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

var errTestDial = errors.New("dial refused by the test")

// refusingDial records the addresses dialed and refuses them all, so that
// resolution is seen without any connection.
type refusingDial struct {
	mu    sync.Mutex
	addrs []string
}

func (d *refusingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	return nil, errTestDial
}

func (d *refusingDial) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// TestSSHConfigResolution checks which address each host entry dials under
// an ssh_config file, and the precedence of the caller's settings.
func TestSSHConfigResolution(t *testing.T) {
	file := writeFile(t, "ssh_config", `
Host web1
  HostName 127.0.0.7
  Port 2201
Host web*
  Port 2299
Host *.lan !skip.lan
  HostName 10.%h
Host *
  User fromconfig
`)
	tests := []struct {
		name  string
		entry string
		cfg   pssh.Config
		want  string // address dialed
	}{
		{"alias to host name and port", "web1", pssh.Config{}, "127.0.0.7:2201"},
		{"pattern port", "web2", pssh.Config{}, "web2:2299"},
		{"entry port beats config", "web1:2222", pssh.Config{}, "127.0.0.7:2222"},
		{"Config.Port beats config", "web1", pssh.Config{Port: 2333}, "127.0.0.7:2333"},
		{"hostname token", "a.lan", pssh.Config{}, "10.a.lan:22"},
		{"negated pattern", "skip.lan", pssh.Config{}, "skip.lan:22"},
		{"no match: defaults", "db1", pssh.Config{}, "db1:22"},
		{"ignored", "web1", pssh.Config{IgnoreSSHConfig: true}, "web1:22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d refusingDial
			cfg := tt.cfg
			cfg.SSHConfigFile = file
			cfg.NoAgent, cfg.NoDefaultKeys = true, true
			cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey()
			cfg.Dial = d.dial
			c := newClient(t, []string{tt.entry}, &cfg)
			outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
			if !errors.Is(outs[0].Err(), errTestDial) {
				t.Fatalf("error %v, want the test's dial error", outs[0].Err())
			}
			if got := d.dialed(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("dialed %q, want %q", got, tt.want)
			}
			if outs[0].Host != tt.entry || outs[0].Addr != tt.want {
				t.Errorf("output host %q addr %q, want %q %q", outs[0].Host, outs[0].Addr, tt.entry, tt.want)
			}
		})
	}
}

// TestSSHConfigProxy: a host that ssh_config sends through a jump host or
// a proxy command goes that way, never directly; the caller's route,
// "none" included, beats the config's.
func TestSSHConfigProxy(t *testing.T) {
	file := writeFile(t, "ssh_config", "Host jumped\n  ProxyJump bastion\nHost piped\n  ProxyCommand exit 3\n")
	newC := func(cfg pssh.Config) (*pssh.Client, *refusingDial) {
		d := &refusingDial{}
		cfg.SSHConfigFile, cfg.User, cfg.NoAgent, cfg.NoDefaultKeys = file, "u", true, true
		cfg.HostKeyCallback, cfg.Dial = ssh.InsecureIgnoreHostKey(), d.dial
		return newClient(t, []string{"jumped", "piped"}, &cfg), d
	}

	c, d := newC(pssh.Config{})
	outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	var je *pssh.JumpError
	if !errors.As(outs[0].Err(), &je) || je.Hop != "u@bastion:22" {
		t.Errorf("jumped: %v, want a JumpError at u@bastion:22", outs[0].Err())
	}
	if outs[1].Err() == nil || !strings.Contains(outs[1].Err().Error(), "exit") {
		t.Errorf("piped: %v, want the proxy command's failure", outs[1].Err())
	}
	if got := d.dialed(); len(got) != 1 || got[0] != "bastion:22" {
		t.Errorf("dialed %q, want only the jump host", got)
	}

	c, d = newC(pssh.Config{ProxyJump: "none"})
	c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if got := d.dialed(); len(got) != 2 || got[0] == "bastion:22" || got[1] == "bastion:22" {
		t.Errorf("with ProxyJump none, dialed %q, want both hosts directly", got)
	}
}

// TestSSHConfigConnectTimeout: ConnectTimeout from ssh_config bounds the
// connection, unless Config.ConnectTimeout is set.
func TestSSHConfigConnectTimeout(t *testing.T) {
	file := writeFile(t, "ssh_config", "Host *\n  ConnectTimeout 1\n")
	hang := func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	for _, tt := range []struct {
		set  time.Duration
		want time.Duration
	}{{0, time.Second}, {1500 * time.Millisecond, 1500 * time.Millisecond}} {
		c := newClient(t, []string{"h"}, &pssh.Config{
			SSHConfigFile: file, User: "u", NoAgent: true, NoDefaultKeys: true,
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Dial: hang, ConnectTimeout: tt.set,
		})
		outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
		var te *pssh.TimeoutError
		if !errors.As(outs[0].Err(), &te) || te.Limit != tt.want {
			t.Errorf("Config.ConnectTimeout %v: %v, want a TimeoutError with limit %v", tt.set, outs[0].Err(), tt.want)
		}
	}
}

// TestSSHConfigErrors: a missing SSHConfigFile, and a file pssh cannot
// honour, fail New with the file named.
func TestSSHConfigErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	bad := writeFile(t, "ssh_config", "Host *\n  User u\nHost nomatch\n  NoSuchKeyword 1\n")
	badPort := writeFile(t, "ssh_config", "Host x\n  Port many\n")
	ask := writeFile(t, "ssh_config", "Host *\n  StrictHostKeyChecking maybe\n")
	for _, tt := range []struct{ file, want string }{
		{missing, missing},
		{bad, bad + ":4:"},
		{badPort, badPort + ":2:"},
		{ask, ask + ":2:"},
	} {
		_, err := pssh.New([]string{"x"}, &pssh.Config{SSHConfigFile: tt.file, User: "u", NoAgent: true, NoDefaultKeys: true})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error naming %s", tt.file, err, tt.want)
		}
	}
}

// sshdAlias starts sshd and writes an ssh_config whose alias "myhost"
// reaches it with extra lines added.
func sshdAlias(t *testing.T, extra string) (*opensshd.Server, string, string) {
	t.Helper()
	s, cfg := openSSH(t, opensshd.Options{})
	host, port, err := net.SplitHostPort(s.Addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "ssh_config", fmt.Sprintf("Host myhost\n  HostName %s\n  Port %s\n%s\nHost *\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n",
		host, port, extra, cfg.User, s.ClientKeyFile))
	return s, file, cfg.User
}

// TestOpenSSHSSHConfigAlias logs in through an alias that ssh_config maps to
// sshd's address, user and key.
func TestOpenSSHSSHConfigAlias(t *testing.T) {
	s, file, user := sshdAlias(t, "  UserKnownHostsFile "+filepath.Join(t.TempDir(), "none")+"\n")
	tests := []struct {
		name string
		cfg  pssh.Config
	}{
		{"from ssh_config", pssh.Config{SSHConfigFile: file, KnownHostsFiles: []string{s.KnownHostsFile}}},
		// Config.KeyFile beats IdentityFile; KnownHostsFiles beats
		// UserKnownHostsFile (which would refuse the host).
		{"caller overrides", pssh.Config{SSHConfigFile: file, KeyFile: s.ClientKeyFile, KnownHostsFiles: []string{s.KnownHostsFile}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.NoAgent, cfg.NoDefaultKeys = true, true
			c := newClient(t, []string{"myhost"}, &cfg)
			outs, err := c.Run(ctxT(t), "whoami", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := joinLines(outs[0].Stdout); got != user {
				t.Errorf("whoami %q, want %q", got, user)
			}
			if outs[0].Host != "myhost" || outs[0].Addr != s.Addrs[0] {
				t.Errorf("host %q addr %q, want myhost %s", outs[0].Host, outs[0].Addr, s.Addrs[0])
			}
		})
	}
	t.Run("caller's user beats config", func(t *testing.T) {
		c := newClient(t, []string{"nosuchuser-pssh@myhost"}, &pssh.Config{SSHConfigFile: file, NoAgent: true, NoDefaultKeys: true, KnownHostsFiles: []string{s.KnownHostsFile}})
		_, err := c.Run(ctxT(t), "true", nil)
		var ae *pssh.AuthenticationError
		if !errors.As(err, &ae) || ae.User != "nosuchuser-pssh" {
			t.Fatalf("%v, want an AuthenticationError for nosuchuser-pssh", err)
		}
	})
	t.Run("ignored", func(t *testing.T) {
		var d refusingDial
		c := newClient(t, []string{"myhost"}, &pssh.Config{SSHConfigFile: file, IgnoreSSHConfig: true, User: "u", NoAgent: true, NoDefaultKeys: true, KnownHostsFiles: []string{s.KnownHostsFile}, Dial: d.dial})
		c.Run(ctxT(t), "true", nil)
		if got := d.dialed(); len(got) != 1 || got[0] != "myhost:22" {
			t.Errorf("dialed %q, want myhost:22", got)
		}
	})
}

// TestOpenSSHSSHConfigAcceptNew: StrictHostKeyChecking accept-new and
// UserKnownHostsFile from ssh_config record the new host's key in that file,
// and the next client checks against it.
func TestOpenSSHSSHConfigAcceptNew(t *testing.T) {
	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	s, file, user := sshdAlias(t, "  StrictHostKeyChecking accept-new\n  UserKnownHostsFile "+kh+"\n")
	for i := range 2 {
		c := newClient(t, []string{"myhost"}, &pssh.Config{SSHConfigFile: file, NoAgent: true, NoDefaultKeys: true})
		outs, err := c.Run(ctxT(t), "whoami", nil)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got := joinLines(outs[0].Stdout); got != user {
			t.Errorf("whoami %q, want %q", got, user)
		}
	}
	data, err := os.ReadFile(kh)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("[127.0.0.1]:%d", s.Port)) {
		t.Errorf("known_hosts %q, want one line for [127.0.0.1]:%d", data, s.Port)
	}
	// Without accept-new the recorded key is what is checked: strict, and
	// still accepted.
	strict := writeFile(t, "ssh_config2", strings.Replace(string(mustRead(t, file)), "accept-new", "yes", 1))
	c := newClient(t, []string{"myhost"}, &pssh.Config{SSHConfigFile: strict, NoAgent: true, NoDefaultKeys: true})
	if _, err := c.Run(ctxT(t), "true", nil); err != nil {
		t.Fatalf("strict against the recorded key: %v", err)
	}
}

// TestNewExpandsHostRanges: New expands host ranges in place, and an
// entry's HostConfig goes to every host it expands to.
func TestNewExpandsHostRanges(t *testing.T) {
	cfg := &pssh.Config{IgnoreSSHConfig: true, User: "u", NoAgent: true, NoDefaultKeys: true, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		HostConfig: []pssh.HostConfig{{Alias: "first"}, {User: "r"}, {Alias: "v6"}},
		Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no network in this test")
		}}
	c := newClient(t, []string{"a", "web[01-03]:2222,!web02:2222", "[::1]:22"}, cfg)
	want := []string{"a", "web01:2222", "web03:2222", "[::1]:22"}
	if got := c.Hosts(); !slices.Equal(got, want) {
		t.Fatalf("Hosts() = %q, want %q", got, want)
	}
	outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	var got []string
	for _, o := range outs {
		got = append(got, fmt.Sprintf("%d %s %s %s", o.Index, o.Host, o.User, o.Alias))
	}
	if w := []string{"0 a u first", "1 web01:2222 r ", "2 web03:2222 r ", "3 [::1]:22 u v6"}; !slices.Equal(got, w) {
		t.Errorf("outputs %q, want %q", got, w)
	}
	cfg.HostConfig = nil
	if _, err := pssh.New([]string{"ok", "web[1-x]"}, cfg); err == nil || !strings.Contains(err.Error(), "host #1") || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("bad range: error %v", err)
	}
}
