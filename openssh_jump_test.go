package pssh_test

// Jump hosts, proxies and ProxyCommand against real OpenSSH servers.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// jumpLab is a target sshd and two jump sshds that all accept the target's
// client key, with a client config that knows all three host keys.
type jumpLab struct {
	target, jump1, jump2 *opensshd.Server
	cfg                  *pssh.Config
}

func newJumpLab(t *testing.T, targetOpts opensshd.Options) *jumpLab {
	t.Helper()
	target, cfg := openSSH(t, targetOpts)
	shared := opensshd.Options{ExtraConfig: []string{"AuthorizedKeysFile " + filepath.Join(target.Dir, "authorized_keys")}}
	l := &jumpLab{target: target, cfg: cfg}
	l.jump1 = opensshd.StartT(t, shared)
	l.jump2 = opensshd.StartT(t, shared)
	cfg.KnownHostsFiles = []string{target.KnownHostsFile, l.jump1.KnownHostsFile, l.jump2.KnownHostsFile}
	return l
}

// recordingDial dials TCP and records the addresses dialed.
func recordingDial(addrs *[]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var mu sync.Mutex
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		*addrs = append(*addrs, addr)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestOpenSSHProxyJump(t *testing.T) {
	l := newJumpLab(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	user := l.cfg.User
	tests := []struct {
		name      string
		proxyJump string
		firstHop  string // the only address dialed over TCP
	}{
		{"one hop", l.jump1.Addrs[0], l.jump1.Addrs[0]},
		{"one hop with user", user + "@" + l.jump1.Addrs[0], l.jump1.Addrs[0]},
		{"two hops", l.jump1.Addrs[0] + "," + user + "@" + l.jump2.Addrs[0], l.jump1.Addrs[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *l.cfg
			var dialed []string
			cfg.Dial = recordingDial(&dialed)
			cfg.ProxyJump = tt.proxyJump
			// Many host entries behind the jump hosts: one connection to the first hop.
			hosts := make([]string, 20)
			for i := range hosts {
				hosts[i] = l.target.Addrs[i%2]
			}
			c := newClient(t, hosts, &cfg)
			outs, err := c.Run(ctxT(t), "echo $SSH_CONNECTION", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Join(ctxT(t), outs, nil); err != nil {
				t.Fatal(err)
			}
			for i, o := range outs {
				f := strings.Fields(joinLines(o.Stdout))
				if len(f) != 4 || net.JoinHostPort(f[2], f[3]) != hosts[i] {
					t.Fatalf("host %d: %q, %v", i, joinLines(o.Stdout), o.Err())
				}
			}
			if !slices.Equal(dialed, []string{tt.firstHop}) {
				t.Fatalf("TCP connections to %q, want one to %s", dialed, tt.firstHop)
			}
		})
	}
}

func TestOpenSSHProxyJumpPerHost(t *testing.T) {
	l := newJumpLab(t, opensshd.Options{})
	cfg := *l.cfg
	var dialed []string
	cfg.Dial = recordingDial(&dialed)
	cfg.ProxyJump = l.jump1.Addrs[0]
	cfg.HostConfig = []pssh.HostConfig{{}, {ProxyJump: "none"}, {ProxyJump: l.jump2.Addrs[0]}}
	c := newClient(t, []string{l.target.Addrs[0], l.target.Addrs[0], l.target.Addrs[0]}, &cfg)
	outs, err := c.Run(ctxT(t), "echo ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if got := joinLines(o.Stdout); got != "ok" {
			t.Fatalf("%s: %q %v", o.Host, got, o.Err())
		}
	}
	slices.Sort(dialed)
	want := []string{l.jump1.Addrs[0], l.jump2.Addrs[0], l.target.Addrs[0]}
	slices.Sort(want)
	if !slices.Equal(dialed, want) {
		t.Fatalf("dialed %q, want %q", dialed, want)
	}
}

func TestOpenSSHJumpErrorsNameTheHop(t *testing.T) {
	l := newJumpLab(t, opensshd.Options{})
	lonely := opensshd.StartT(t, opensshd.Options{}) // accepts only its own key
	user := l.cfg.User
	closed := closedPort(t)
	tests := []struct {
		name      string
		proxyJump string
		hopIndex  int
		hop       string
		check     func(error) bool
		known     bool // lonely is in known_hosts
	}{
		{"wrong port at hop 2", l.jump1.Addrs[0] + "," + closed, 2, user + "@" + closed,
			func(err error) bool {
				var ce *pssh.ConnectionError
				return errors.As(err, &ce) && ce.Host == user+"@"+closed
			}, false},
		{"auth failure at hop 1", lonely.Addrs[0] + "," + l.jump2.Addrs[0], 1, user + "@" + lonely.Addrs[0],
			func(err error) bool {
				var ae *pssh.AuthenticationError
				return errors.As(err, &ae) && ae.Host == user+"@"+lonely.Addrs[0]
			}, true},
		{"unknown host key at hop 2", l.jump1.Addrs[0] + "," + lonely.Addrs[0], 2, user + "@" + lonely.Addrs[0],
			func(err error) bool { var he *pssh.HostKeyError; return errors.As(err, &he) && he.Unknown }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *l.cfg
			cfg.ProxyJump = tt.proxyJump
			if tt.known {
				cfg.KnownHostsFiles = append(slices.Clip(cfg.KnownHostsFiles), lonely.KnownHostsFile)
			}
			c := newClient(t, []string{l.target.Addrs[0], l.target.Addrs[0]}, &cfg)
			outs, err := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				var je *pssh.JumpError
				if !errors.As(o.Err(), &je) || je.HopIndex != tt.hopIndex || je.Hop != tt.hop || je.Host != l.target.Addrs[0] || !tt.check(o.Err()) {
					t.Fatalf("err %v (%#v), want a *JumpError for hop #%d %s", o.Err(), je, tt.hopIndex, tt.hop)
				}
				if !strings.Contains(o.Err().Error(), tt.hop) {
					t.Fatalf("%q does not name the hop %s", o.Err(), tt.hop)
				}
			}
		})
	}
	// A target the jump host cannot reach is the target's own error.
	cfg := *l.cfg
	cfg.ProxyJump = l.jump1.Addrs[0]
	c := newClient(t, []string{closed}, &cfg)
	_, err := c.Run(ctxT(t), "true", nil)
	var ce *pssh.ConnectionError
	var je *pssh.JumpError
	if !errors.As(err, &ce) || ce.Host != closed || errors.As(err, &je) {
		t.Fatalf("unreachable target behind a jump host: %v", err)
	}
}

func TestOpenSSHProxyWithOwnCredentials(t *testing.T) {
	target, cfg := openSSH(t, opensshd.Options{})
	proxy := opensshd.StartT(t, opensshd.Options{Password: true}) // accepts its own key, not the target's
	cfg.KnownHostsFiles = []string{target.KnownHostsFile, proxy.KnownHostsFile}
	host, port, _ := net.SplitHostPort(proxy.Addrs[0])
	var portN int
	fmt.Sscan(port, &portN)
	tests := []struct {
		name  string
		proxy pssh.Proxy
	}{
		{"key file", pssh.Proxy{Host: host, Port: portN, KeyFile: proxy.ClientKeyFile}},
		{"password", pssh.Proxy{Host: host, Port: portN, User: opensshd.TestUser, Password: opensshd.TestPassword}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.proxy.Password != "" {
				opensshd.EnsureTestUser(t) // skips when it cannot be made, unless CI=true
			}
			cfg := *cfg
			var dialed []string
			cfg.Dial = recordingDial(&dialed)
			cfg.Proxy = &tt.proxy
			c := newClient(t, []string{target.Addrs[0], target.Addrs[0], target.Addrs[0]}, &cfg)
			outs, err := c.Run(ctxT(t), "echo ok", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if got := joinLines(o.Stdout); got != "ok" {
					t.Fatalf("%s: %q %v", o.Host, got, o.Err())
				}
			}
			if !slices.Equal(dialed, []string{proxy.Addrs[0]}) {
				t.Fatalf("dialed %q, want one connection to the proxy %s", dialed, proxy.Addrs[0])
			}
		})
	}
}

func TestOpenSSHProxyCommand(t *testing.T) {
	requireCommand(t, "nc")
	requireCommand(t, "ssh")
	l := newJumpLab(t, opensshd.Options{})
	kh := l.jump1.KnownHostsFile
	jhost, jport, _ := net.SplitHostPort(l.jump1.Addrs[0])
	sshW := fmt.Sprintf("ssh -F /dev/null -i %s -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes -p %s -W %%h:%%p %s@%s",
		l.target.ClientKeyFile, kh, jport, l.cfg.User, jhost)
	tests := []struct {
		name, command string
	}{
		{"nc", "nc %h %p"},
		{"ssh -W", sshW},
		{"tokens", "test %r = " + l.cfg.User + " && exec nc %h %p # 100%%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *l.cfg
			var dialed []string
			cfg.Dial = recordingDial(&dialed)
			cfg.ProxyCommand = tt.command
			c := newClient(t, []string{l.target.Addrs[0], l.target.Addrs[0]}, &cfg)
			for range 2 { // the second run reuses the connections
				outs, err := c.Run(ctxT(t), "echo ok", nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outs {
					if got := joinLines(o.Stdout); got != "ok" {
						t.Fatalf("%s: %q %v", o.Host, got, o.Err())
					}
				}
			}
			if len(dialed) != 0 {
				t.Fatalf("Config.Dial used (%q) instead of the command", dialed)
			}
		})
	}

	t.Run("failing command", func(t *testing.T) {
		cfg := *l.cfg
		cfg.ProxyCommand = "echo cannot reach %h port %p >&2; exit 3"
		c := newClient(t, []string{l.target.Addrs[0]}, &cfg)
		_, err := c.Run(ctxT(t), "true", nil)
		host, port, _ := net.SplitHostPort(l.target.Addrs[0])
		var ce *pssh.ConnectionError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cannot reach "+host+" port "+port) || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("err %v, want a *ConnectionError with the command's stderr and status", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		cfg := *l.cfg
		cfg.ProxyCommand = "nc %h %x"
		if _, err := pssh.New([]string{l.target.Addrs[0]}, &cfg); err == nil || !strings.Contains(err.Error(), "%x") {
			t.Fatalf("New: %v, want an error naming %%x", err)
		}
	})
	t.Run("two routes", func(t *testing.T) {
		cfg := *l.cfg
		cfg.ProxyCommand, cfg.ProxyJump = "nc %h %p", l.jump1.Addrs[0]
		if _, err := pssh.New([]string{l.target.Addrs[0]}, &cfg); err == nil {
			t.Fatal("New accepted ProxyJump and ProxyCommand together")
		}
	})
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := fmt.Sscan(port, &n); err != nil {
		t.Fatal(err)
	}
	return host, n
}
