package pssh_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// TestSSHConfigMatchExec: a Match exec block in ssh_config no longer
// fails New (it did, for every host, whatever the block); its command runs
// through the shell with the tokens expanded, and the block applies to the
// hosts for which it succeeds.
func TestSSHConfigMatchExec(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, "ssh_config", `
Host *
  User fromconfig
Match exec "echo %h >> `+dir+`/ran; test %h = web1"
  Port 2201
Match exec "exit 1"
  Port 9
`)
	var d refusingDial
	c := newClient(t, []string{"web1", "web2", "web1"}, &pssh.Config{
		SSHConfigFile: file, NoAgent: true, NoDefaultKeys: true,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Dial: d.dial,
	})
	c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	got := d.dialed()
	slices.Sort(got)
	if want := []string{"web1:2201", "web1:2201", "web2:22"}; !slices.Equal(got, want) {
		t.Errorf("dialed %q, want %q", got, want)
	}
	ran, err := os.ReadFile(filepath.Join(dir, "ran"))
	if err != nil {
		t.Fatal(err)
	}
	if string(ran) != "web1\nweb2\n" {
		t.Errorf("Match exec ran for %q, want once for each host", ran)
	}
}

// TestSSHConfigJumpHostLookedUp: a jump host is looked up in ssh_config
// as ssh -J does (its HostName, Port and User), whether it comes from
// ssh_config's ProxyJump or the caller's.
func TestSSHConfigJumpHostLookedUp(t *testing.T) {
	file := writeFile(t, "ssh_config", `
Host bastion
  HostName 127.0.0.9
  Port 2209
  User jumper
Host jumped
  ProxyJump bastion
`)
	for _, tt := range []struct {
		name string
		cfg  pssh.Config
		host string
	}{
		{"ssh_config ProxyJump", pssh.Config{}, "jumped"},
		{"Config.ProxyJump", pssh.Config{ProxyJump: "bastion"}, "other"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d refusingDial
			cfg := tt.cfg
			cfg.SSHConfigFile, cfg.NoAgent, cfg.NoDefaultKeys = file, true, true
			cfg.HostKeyCallback, cfg.Dial = ssh.InsecureIgnoreHostKey(), d.dial
			c := newClient(t, []string{tt.host}, &cfg)
			outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
			var je *pssh.JumpError
			if !errors.As(outs[0].Err(), &je) || je.Hop != "jumper@127.0.0.9:2209" {
				t.Errorf("%v, want a JumpError at jumper@127.0.0.9:2209", outs[0].Err())
			}
			if got := d.dialed(); len(got) != 1 || got[0] != "127.0.0.9:2209" {
				t.Errorf("dialed %q, want the jump host's address from ssh_config", got)
			}
		})
	}
}

// TestResolvedConfig: the settings a client resolved for each host, in
// ssh -G's format, with the caller's settings over ssh_config's.
func TestResolvedConfig(t *testing.T) {
	file := writeFile(t, "ssh_config", `
Host web1
  HostName 127.0.0.7
  Port 2201
  Ciphers ^aes256-ctr
  HostKeyAlias Web1Key
  ServerAliveInterval 30
Host *
  User fromconfig
  ControlMaster auto
`)
	c := newClient(t, []string{"web1", "root@db1:2222"}, &pssh.Config{
		SSHConfigFile: file, NoAgent: true, NoDefaultKeys: true, ConnectTimeout: 4e9,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	get := func(i int, key string) string {
		var vs []string
		for _, l := range c.ResolvedConfig(i) {
			if l.Keyword == key {
				vs = append(vs, l.Value)
			}
		}
		return strings.Join(vs, " ")
	}
	for _, tt := range []struct {
		i         int
		key, want string
	}{
		{0, "host", "web1"}, {0, "hostname", "127.0.0.7"}, {0, "port", "2201"}, {0, "user", "fromconfig"},
		{0, "hostkeyalias", "web1key"}, {0, "serveraliveinterval", "30"}, {0, "connecttimeout", "4"},
		{1, "host", "db1"}, {1, "hostname", "db1"}, {1, "port", "2222"}, {1, "user", "root"},
		{1, "serveraliveinterval", "15"},
	} {
		if got := get(tt.i, tt.key); got != tt.want {
			t.Errorf("host %d %s: %q, want %q", tt.i, tt.key, got, tt.want)
		}
	}
	if got := get(0, "ciphers"); !strings.HasPrefix(got, "aes256-ctr,") {
		t.Errorf("ciphers %q, want aes256-ctr first", got)
	}
	if got := c.SSHConfigNotApplied(); len(got) != 1 || !strings.HasSuffix(got[0], ":10: ControlMaster") {
		t.Errorf("SSHConfigNotApplied() = %q, want ControlMaster's line", got)
	}
	if c.ResolvedConfig(2) != nil {
		t.Error("ResolvedConfig(2) of 2 hosts is not nil")
	}
}

// TestOpenSSHSSHConfigCiphers: ssh_config's Ciphers, with OpenSSH's "-"
// and "^", is what the client offers: a server that allows only
// aes256-ctr refuses a client whose ssh_config removes it, and accepts one
// that puts it first.
func TestOpenSSHSSHConfigCiphers(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{ExtraConfig: []string{"Ciphers aes256-ctr"}})
	for _, tt := range []struct {
		value string
		ok    bool
	}{{"-aes256-ctr", false}, {"^aes256-ctr", true}, {"aes128-ctr,aes256-ctr", true}} {
		c := *cfg
		c.IgnoreSSHConfig, c.SSHConfigFile = false, writeFile(t, "ssh_config", "Host *\n  Ciphers "+tt.value+"\n")
		client := newClient(t, s.Addrs, &c)
		outs, err := client.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := outs[0].Err(); (err == nil) != tt.ok {
			t.Errorf("Ciphers %s against a server allowing aes256-ctr: error %v, want success %t", tt.value, err, tt.ok)
		}
	}
}

// TestSSHConfigFinalPassAddress: the host name after the first pass is
// what is dialed and what the final pass matches, as ssh: an address
// written 127.1 is 127.0.0.1, and a Host block for it applies when a Match
// line asks for the final pass.
func TestSSHConfigFinalPassAddress(t *testing.T) {
	file := writeFile(t, "ssh_config", "Host web1\n  HostName 127.1\nHost 127.0.0.1\n  Port 2207\nMatch final\n  User u\n")
	var d refusingDial
	c := newClient(t, []string{"web1"}, &pssh.Config{
		SSHConfigFile: file, NoAgent: true, NoDefaultKeys: true,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Dial: d.dial,
	})
	c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	if got := d.dialed(); len(got) != 1 || got[0] != "127.0.0.1:2207" {
		t.Errorf("dialed %q, want 127.0.0.1:2207", got)
	}
}

// TestOpenSSHSSHConfigHostKeyAlias: with HostKeyAlias, the host key is
// checked under the alias (without the port), as ssh does: a known_hosts
// file that knows the key only as the alias accepts the host, and refuses
// it without HostKeyAlias.
func TestOpenSSHSSHConfigHostKeyAlias(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	known, err := os.ReadFile(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line := range strings.Lines(string(known)) {
		if f := strings.Fields(line); len(f) >= 3 {
			lines = append(lines, "myalias "+strings.Join(f[1:], " "))
		}
	}
	kh := writeFile(t, "known_hosts", strings.Join(lines, "\n")+"\n")
	for _, tt := range []struct {
		alias string
		ok    bool
	}{{"  HostKeyAlias MyAlias\n", true}, {"", false}} {
		c := *cfg
		c.KnownHostsFiles = nil
		c.IgnoreSSHConfig, c.SSHConfigFile = false, writeFile(t, "ssh_config", "Host *\n"+tt.alias+"  UserKnownHostsFile "+kh+"\n")
		client := newClient(t, s.Addrs, &c)
		outs, err := client.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := outs[0].Err(); (err == nil) != tt.ok {
			t.Errorf("HostKeyAlias %q: error %v, want success %t", tt.alias, err, tt.ok)
		}
	}
}

// TestSSHConfigJumpHostChain: the first jump host's own ProxyJump in
// ssh_config is followed, as ssh does; a loop is an error.
func TestSSHConfigJumpHostChain(t *testing.T) {
	file := writeFile(t, "ssh_config", `
Host inner
  HostName 127.0.0.10
  ProxyJump outer
Host outer
  HostName 127.0.0.11
  Port 2211
Host target
  ProxyJump inner
Host loop
  ProxyJump loop
`)
	var d refusingDial
	c := newClient(t, []string{"target"}, &pssh.Config{
		SSHConfigFile: file, User: "u", NoAgent: true, NoDefaultKeys: true,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Dial: d.dial,
	})
	outs, _ := c.Run(ctxT(t), "true", &pssh.RunOptions{ContinueOnErrors: true})
	var je *pssh.JumpError
	if !errors.As(outs[0].Err(), &je) || je.Hop != "u@127.0.0.11:2211" || je.HopIndex != 1 {
		t.Errorf("%v, want a JumpError at the first hop u@127.0.0.11:2211", outs[0].Err())
	}
	if _, err := pssh.New([]string{"loop"}, &pssh.Config{SSHConfigFile: file, User: "u", NoAgent: true, NoDefaultKeys: true}); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("a ProxyJump loop: %v, want an error", err)
	}
}
