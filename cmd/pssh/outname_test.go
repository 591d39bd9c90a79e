package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// shortName is the documented file name of a host whose own name does not
// fit or is taken: the first 200 bytes of want, "~", and the first 16 hex
// digits of the SHA-256 of the whole entry.
func shortName(want, entry string) string {
	sum := sha256.Sum256([]byte(entry))
	return cutUTF8(want, shortPrefix) + "~" + hex.EncodeToString(sum[:])[:16]
}

// TestOutputNames checks the -o/-e file names of awkward host lists: each
// host has its own, within NAME_MAX, and a host keeps its own name when it
// can.
func TestOutputNames(t *testing.T) {
	long := strings.Repeat("a", 300)
	accents := strings.Repeat("é", 150) // 300 bytes, cut between runes
	tests := []struct {
		name  string
		hosts []string
		want  []string
	}{
		{"plain", []string{"web1", "web2:2222", "root@web3"}, []string{"web1", "web2:2222", "web3"}},
		{"same host, other users", []string{"h", "root@h", "h.2"}, []string{"h", "root@h", "h.2"}},
		{"same host, users only", []string{"root@h", "admin@h"}, []string{"root@h", "admin@h"}},
		{"made safe, then taken", []string{"a/b", "a_b"}, []string{shortName("a_b", "a/b"), "a_b"}},
		{"made safe, alone", []string{"a/b"}, []string{"a_b"}},
		{"dot dot", []string{"..", "_..", "."}, []string{shortName("_..", ".."), "_..", "_."}},
		{"too long", []string{long, "u@" + long}, []string{shortName(long, long), shortName("u@"+long, "u@"+long)}},
		{"too long, runes", []string{accents}, []string{shortName(accents, accents)}},
		{"a host named like a short name", []string{"x/y", shortName("x_y", "x/y"), "x_y"},
			[]string{shortName("x_y", "x/y") + ".1", shortName("x_y", "x/y"), "x_y"}},
		{"twice", []string{"h", "h"}, []string{"h", shortName("h", "h")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outputNames(tt.hosts)
			if !slices.Equal(got, tt.want) {
				t.Errorf("outputNames(%q)\n = %q\nwant %q", tt.hosts, got, tt.want)
			}
			seen := map[string]bool{}
			for _, n := range got {
				if seen[n] || len(n) > maxFileName || n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00") {
					t.Errorf("name %q: twice, too long or not a file name", n)
				}
				seen[n] = true
			}
		})
	}
	if n := shortName(accents, accents); !strings.HasPrefix(n, strings.Repeat("é", 100)+"~") {
		t.Errorf("cut within a rune: %q", n)
	}
}

// TestOutputFilePerHost runs hosts whose names the classic naming mixed up
// (h, root@h and an alias h.2) and an alias too long to be a file name:
// each gets its own -o and -e file, holding its own output; h and root@h,
// the same host but for the user, are named tester@h and root@h, as
// parallel-ssh names its files user@host.
func TestOutputFilePerHost(t *testing.T) {
	key := clientKey(t)
	// Each server says who it is and who logged in.
	fleet, err := sshtest.NewFleetFunc(3, func(i int) sshtest.Config {
		return sshtest.Config{
			AuthorizedKeys: []ssh.PublicKey{key.PublicKey()},
			Handler: func(_ context.Context, e *sshtest.Exec) sshtest.Exit {
				fmt.Fprintf(e.Stdout, "server %d user %s\n", i, e.User)
				fmt.Fprintf(e.Stderr, "err %d %s\n", i, e.User)
				return sshtest.Exit{}
			},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b := bedFor(t, fleet)
	long := strings.Repeat("l", 300)
	aliases := map[string]int{"h": 0, "h.2": 1, long: 2}
	var config strings.Builder
	fmt.Fprintf(&config, "Host *\n  IdentityFile %s\n  UserKnownHostsFile %s\n  User tester\n", b.keyFile, b.known)
	for alias, i := range aliases {
		host, port, _ := net.SplitHostPort(fleet.Servers[i].Addr)
		fmt.Fprintf(&config, "Host %s\n  HostName %s\n  Port %s\n", alias, host, port)
	}
	cfgFile := filepath.Join(b.dir, "ssh_config")
	writeFile(t, cfgFile, config.String())
	out, errd := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "err")

	r := runPssh(t, "-F", cfgFile, "-H", "h,root@h,h.2,"+long, "-o", out, "-e", errd, "the command")
	wantCode(t, r, 0)
	want := map[string]string{ // file name: server and user
		"tester@h":            "0 tester", // h and root@h differ by user: both named user@host
		"root@h":              "0 root",
		"h.2":                 "1 tester",
		shortName(long, long): "2 tester",
	}
	for _, dir := range []string{out, errd} {
		var names []string
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) != len(want) {
			t.Errorf("%s holds %q, want %d files", dir, names, len(want))
		}
	}
	for name, who := range want {
		server, user, _ := strings.Cut(who, " ")
		wantRegular(t, filepath.Join(out, name), "server "+server+" user "+user+"\n", 0o644)
		wantRegular(t, filepath.Join(errd, name), "err "+who+"\n", 0o644)
	}

	// One directory for -o and -e would put a host's stdout and stderr in
	// one file: refused before anything runs.
	same := t.TempDir()
	r = runPssh(t, "-F", cfgFile, "-H", "h", "-o", same, "-e", same+"/.", "the command")
	wantCode(t, r, exitUsage)
	if !strings.Contains(r.stderr, "one directory") || r.stdout != "" {
		t.Errorf("-o and -e the same:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}
}

// TestSlurpPaths checks that slurp names each host's directory as its -o
// file: its own, within NAME_MAX.
func TestSlurpPaths(t *testing.T) {
	long := strings.Repeat("l", 300)
	hosts := []string{"h", "root@h", "web1:22", "..", long}
	want := []string{"h", "root@h", "web1:22", "_..", shortName(long, long)}
	for i, p := range slurpPaths(hosts, "/var/log/app.log", "logs") {
		if w := filepath.Join("logs", want[i], "app.log"); p.Local != w {
			t.Errorf("%s: %q, want %q", hosts[i], p.Local, w)
		}
	}
}
