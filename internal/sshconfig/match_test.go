package sshconfig

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMatchExec: the command runs through $SHELL -c (/bin/sh when unset),
// once per host and command for the life of the Config; a shell that
// cannot run, or a command killed by a signal, is an error naming the
// file and line.
func TestMatchExec(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"config":  "Match exec \"echo %h >> {{dir}}/ran; test %h = web1\"\n  User execmatched\n",
		"logging": "#!/bin/sh\necho \"$@\" >> {{dir}}/shell\nexec /bin/sh \"$@\"\n",
	})
	if err := os.Chmod(filepath.Join(dir, "logging"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SHELL", filepath.Join(dir, "logging"))
	c, err := Load(Options{UserFile: filepath.Join(dir, "config"), LocalUser: "me"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ alias, user string }{{"web1", "execmatched"}, {"web2", "me"}, {"web1", "execmatched"}, {"web2", "me"}} {
		s, err := c.Resolve(tt.alias)
		if err != nil {
			t.Fatal(err)
		}
		if s.User != tt.user {
			t.Errorf("%s: user %q, want %q", tt.alias, s.User, tt.user)
		}
	}
	if got := string(mustRead(t, filepath.Join(dir, "ran"))); got != "web1\nweb2\n" {
		t.Errorf("commands ran for %q, want once per host", got)
	}
	if got := string(mustRead(t, filepath.Join(dir, "shell"))); !strings.HasPrefix(got, "-c echo web1") {
		t.Errorf("the shell was called with %q, want -c COMMAND", got)
	}

	for _, tt := range []struct {
		name, shell, command string
	}{
		{"shell missing", filepath.Join(dir, "no-such-shell"), "true"},
		{"empty SHELL", "", "true"},
		{"killed by a signal", "/bin/sh", "kill -9 $$"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SHELL", tt.shell)
			d := writeFiles(t, map[string]string{"config": "Host *\n  Port 2\nMatch exec \"" + tt.command + "\"\n  User x\n"})
			c, err := Load(Options{UserFile: filepath.Join(d, "config"), LocalUser: "me"})
			if err == nil {
				_, err = c.Resolve("h")
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != 3 {
				t.Errorf("%v, want an *Error at line 3", err)
			}
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMatchLocalNetworkAndTagged: the criteria of OpenSSH newer than the
// one the corpus runs against, with the local addresses given.
func TestMatchLocalNetworkAndTagged(t *testing.T) {
	dir := writeFiles(t, map[string]string{"config": `
Host tagged
  Tag prod
Match tagged prod
  User from-tag
Match !tagged prod localnetwork 10.1.0.0/16
  User from-net
Match localnetwork 10.1.0.0/16,!10.1.2.0/24
  Port 16
Match localnetwork fd00::/8
  IdentityAgent /six
`})
	for _, tt := range []struct {
		name  string
		addrs []string
		alias string
		want  string // user port identityagent
	}{
		{"tag", []string{"10.1.0.5/16"}, "tagged", "from-tag 16 "},
		{"network", []string{"10.1.0.5/16"}, "x", "from-net 16 "},
		{"negated network", []string{"10.1.2.5/16"}, "x", "from-net 22 "},
		{"other network", []string{"192.168.7.1/24", "fd00::2/64"}, "x", "me 22 /six"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var addrs []net.Addr
			for _, a := range tt.addrs {
				ip, n, err := net.ParseCIDR(a)
				if err != nil {
					t.Fatal(err)
				}
				addrs = append(addrs, &net.IPNet{IP: ip, Mask: n.Mask})
			}
			c, err := Load(Options{UserFile: filepath.Join(dir, "config"), LocalUser: "me",
				LocalAddrs: func() ([]net.Addr, error) { return addrs, nil }})
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.Resolve(tt.alias)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%s %d %s", s.User, s.Port, s.IdentityAgent); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNotApplied: keywords OpenSSH knows and pssh does not apply are
// reported once each, for the blocks that applied; deprecated ones and
// blocks that did not apply are not.
func TestNotApplied(t *testing.T) {
	dir := writeFiles(t, map[string]string{"config": "Host a\n  ControlMaster auto\n  ForwardX11 yes\nHost b\n  ControlMaster no\n  ControlPath /x\nHost *\n  Protocol 2\n  ForwardX11 no\n"})
	c, err := Load(Options{UserFile: filepath.Join(dir, "config"), LocalUser: "me"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"a", "a", "c"} {
		if _, err := c.Resolve(h); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "config")
	want := []string{file + ":2: ControlMaster", file + ":3: ForwardX11"}
	if got := c.NotApplied(); !slices.Equal(got, want) {
		t.Errorf("NotApplied() = %q, want %q", got, want)
	}
}
