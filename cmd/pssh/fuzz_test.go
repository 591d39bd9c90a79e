package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/hostspec"
)

// FuzzHostsFile checks that a hosts file (-h) never panics loadHosts, that
// every error names the file and the line that is wrong, and that every
// host accepted is a valid [user@]host[:port].
func FuzzHostsFile(f *testing.F) {
	for _, s := range []string{
		"web1\nweb2:2222\nroot@db[1-3]\n",
		"# comment\n\nweb[01-10].example.com  # trailing\n!web05.example.com\n",
		"a, b c\n[::1]:22\nu@[fe80::1%eth0]:2200\n::1\n",
		"web[1-\n",
		"ok\nbad host:99999\n",
		"a\n!\n",
		"a\r\nb\r\n",
		"x[1-3]y[1-2]\n!x2y1\n",
		"u@h@g\n",
		"@h\n",
		"h:\n",
		"h/x\n",
		"a site=east\nsite=west b,c # x\n",
		"a site=x site=y\n",
		"site=\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1000 || strings.Count(data, "[") > 6 {
			return // keep each input fast: ranges multiply
		}
		name := filepath.Join(t.TempDir(), "hosts")
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		hosts, err := loadHosts(&options{hostFiles: []string{name}})
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T) is not a usage error", err, err)
			}
			m := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `:(\d+): `).FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("error %q does not start with file:line", err)
			}
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > strings.Count(data, "\n")+1 {
				t.Fatalf("error %q: line %d out of 1..%d", err, n, strings.Count(data, "\n")+1)
			}
			return
		}
		seen := map[string]bool{}
		for _, h := range hosts {
			if seen[h] {
				t.Fatalf("host %q given twice", h)
			}
			seen[h] = true
			if _, err := hostspec.Parse(h); err != nil {
				t.Fatalf("accepted host %q: %v", h, err)
			}
		}
	})
}

// FuzzSSHOption checks that -O options and -x/-X arguments never panic,
// that an error is a usage error naming the option, and that what is
// accepted is in range.
func FuzzSSHOption(f *testing.F) {
	for _, s := range []string{
		"StrictHostKeyChecking=no", "stricthostkeychecking accept-new", "Port=2222", "Port 0",
		"ConnectTimeout=5", "ConnectionAttempts=0", "UserKnownHostsFile=~/kh /dev/null none",
		"User=\"root\"", "=x", "Port=", "ProxyJump=a,b", "Compression=yes", "ForwardAgent=maybe",
		"HashKnownHosts=yes", "  Port  =  22 ", "Port=99999999999999999999", "ConnectTimeout=-1",
		"HostKeyAlgorithms=+ssh-rsa", "MACs=-*", "Ciphers=^rot13", "KexAlgorithms ecdh-*,,x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opt string) {
		var s sshSettings
		err := s.option(opt)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "ssh option ") {
				t.Fatalf("option(%q): error %q (%T) is not a usage error naming the option", opt, err, err)
			}
		} else if s.port < 0 || s.port > 65535 || s.retries < 0 || s.connectTO < 0 {
			t.Fatalf("option(%q) gave %+v", opt, s)
		}
		// The same text as -x arguments.
		var x sshSettings
		if err := x.sshArgs(strings.Fields(opt)); err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("sshArgs(%q): error %v (%T) is not a usage error", opt, err, err)
			}
		}
	})
}
