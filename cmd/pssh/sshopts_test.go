package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSSHOptions(t *testing.T) {
	b := newBed(t, 2)
	hosts := []string{"-H", fmt.Sprintf("127.0.0.[1-2]:%d", b.port)}
	noPort := []string{"-H", "127.0.0.[1-2]"}
	tests := []struct {
		name string
		args []string
		code int
		err  string // in stderr
	}{
		{"StrictHostKeyChecking=no warns", append(hosts, "--key", b.keyFile, "-O", "StrictHostKeyChecking=no", "-O", "UserKnownHostsFile=/dev/null"), 0, "are not checked"},
		{"--known-hosts no", append(hosts, "--key", b.keyFile, "--known-hosts", "no"), 0, "are not checked"},
		{"-O Port, IdentityFile, User", append(noPort, "-O", fmt.Sprintf("Port=%d", b.port), "-O", "IdentityFile="+b.keyFile, "-O", "User=someone", "-O", "UserKnownHostsFile="+b.known), 0, ""},
		{"--port", append(noPort, "--port", fmt.Sprint(b.port), "--key", b.keyFile, "-O", "UserKnownHostsFile "+b.known, "--connect-timeout", "5", "--retries", "1"), 0, ""},
		{"-x ssh args", append(noPort, "-x", fmt.Sprintf("-p %d -i %s -o 'UserKnownHostsFile %s' -l tester", b.port, b.keyFile, b.known)), 0, ""},
		{"-X ssh args", append(noPort, "-X", fmt.Sprintf("-p%d", b.port), "-X", "-i", "-X", b.keyFile, "-X", "-oUserKnownHostsFile="+b.known), 0, ""},
		{"unsupported -O", append(hosts, "-O", "Compression=yes"), 2, "ssh option Compression is not supported by pssh"},
		{"-O Ciphers unknown", append(hosts, "-O", "Ciphers=+rot13"), 2, `ssh option Ciphers: unknown algorithm "rot13"`},
		{"bad StrictHostKeyChecking", append(hosts, "-O", "StrictHostKeyChecking=maybe"), 2, "is not yes, accept-new or no"},
		{"unsupported -x", append(hosts, "-x", "-v -C"), 2, `extra ssh argument "-v" is not supported`},
		{"-J and ProxyCommand", append(hosts, "-x", "-J bastion", "-O", "ProxyCommand=nc %h %p"), 2, "not both"},
		{"-F missing file", append(hosts, "-F", "/nonexistent/ssh_config"), 1, "/nonexistent/ssh_config"},
		{"--known-hosts bad", append(hosts, "--known-hosts", "maybe"), 2, "is not yes, accept-new or no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPssh(t, append(tt.args, "true")...)
			wantCode(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr %q, want %q", r.stderr, tt.err)
			}
		})
	}
}

func TestSSHConfigFile(t *testing.T) {
	b := newBed(t, 2)
	// Aliases that only the -F file resolves to the testbed's hosts.
	config := fmt.Sprintf("Host alias*\n  Port %d\n  IdentityFile %s\n  UserKnownHostsFile %s\nHost alias1\n  HostName 127.0.0.1\nHost alias2\n  HostName 127.0.0.2\n",
		b.port, b.keyFile, b.known)
	file := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, "-F", file, "-H", "alias1,alias2", "echo", "hi")
	wantCode(t, r, 0)
	st := statuses(t, r.stdout)
	for _, h := range []string{"alias1", "alias2"} {
		if !st[h].ok {
			t.Errorf("%s: %+v\n%s%s", h, st[h], r.stdout, r.stderr)
		}
	}
	// Without -F the aliases mean nothing.
	r = runPssh(t, "-H", "alias1", "--connect-timeout", "2", "true")
	wantCode(t, r, 4)
}
