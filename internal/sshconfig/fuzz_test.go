package sshconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad checks that Load and Resolve never panic on any configuration
// file, and that their errors are *Error naming a file and, for the file
// given, a line within it (or the tokenizer's "(line, column)"). Include
// stays inside a temporary home: inputs whose Include paths are absolute
// or climb out with ".." are skipped.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"Host web*\n  User deploy\n  Port 2222\n",
		"Host a b !c\nHostName %h.example.com\nIdentityFile ~/.ssh/id_%r@%h\n",
		"Match host db* user root\n  ProxyJump bastion\nMatch all\n  ConnectTimeout 5\n",
		"Include other\nHost x\n",
		"Include config\n",
		"Include *\n",
		"Host\n",
		"Match final\n  CanonicalizeHostname yes\n  CanonicalDomains example.test\n",
		"Match !canonical localnetwork 127.0.0.0/8 tagged x\nTag y\n",
		"IgnoreUnknown foo*\nFooBar 1\nCiphers +aes128-cbc\nHostKeyAlgorithms ^ssh-ed25519*\n",
		"Port notanumber\nHost *\n",
		"ConnectTimeout 1h2m\nServerAliveInterval=30s\n",
		"Host \"quoted name\"\n User \"a b\"\n",
		"ProxyCommand nc %h %p\nProxyJump none\n",
		"Host *\n\tHostName %%%\n",
		"Host a # comment\nUser=u # comment\n",
		"Match\n",
		"Host x\nUser\n",
		"HostKeyAlgorithms +ssh-rsa\nKexAlgorithms -ecdh-*\nCiphers ^aes128-cbc\nMACs hmac-md5\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 2000 {
			return
		}
		for text := range strings.Lines(data) {
			key, args, _, _ := splitLine(text)
			switch key {
			case "include":
				for _, a := range args {
					if filepath.IsAbs(a) || strings.Contains(a, "..") || strings.ContainsAny(a, "%$~") {
						return
					}
				}
			case "match":
				if strings.Contains(strings.ToLower(text), "exec") {
					return // no commands from the fuzzer
				}
			}
		}
		home := t.TempDir()
		if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(home, ".ssh", "config")
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(data, "\n") + 1
		check := func(what string, err error) {
			t.Helper()
			var ce *Error
			if !errors.As(err, &ce) || ce.File == "" {
				t.Fatalf("%s: error %v (%T) does not name a file", what, err, err)
			}
			if ce.File == name && (ce.Line < 0 || ce.Line > lines) {
				t.Fatalf("%s: error %v: line %d out of 1..%d", what, err, ce.Line, lines)
			}
			if ce.Line == 0 && !strings.Contains(err.Error(), "Include nested") {
				t.Fatalf("%s: error %v has no line", what, err)
			}
		}
		c, err := Load(Options{UserFile: name, HomeDir: home, LocalUser: "fuzz", Resolver: mapResolver{}})
		if err != nil {
			check("Load", err)
			return
		}
		for _, alias := range []string{"web1", "db1", "x", "a"} {
			if _, err := c.Resolve(alias); err != nil {
				check("Resolve("+alias+")", err)
			}
			if _, err := c.ResolveWith(alias, Override{User: "root", Port: 2200}); err != nil {
				check("ResolveWith("+alias+")", err)
			}
		}
	})
}
