package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"golang.org/x/crypto/ssh"
)

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
	bad := writeFile(t, "ssh_config", "Host *\n  User u\nMatch exec \"true\"\n  Port 1\n")
	badPort := writeFile(t, "ssh_config", "Host x\n  Port many\n")
	ask := writeFile(t, "ssh_config", "Host *\n  StrictHostKeyChecking maybe\n")
	for _, tt := range []struct{ file, want string }{
		{missing, missing},
		{bad, bad + ":3:"},
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
