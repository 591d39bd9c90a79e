package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKnownHostsPolicies: accept-new trusts new hosts once and records
// them; strict (the default) refuses them; no warns.
func TestKnownHostsPolicies(t *testing.T) {
	b := newBed(t, 3)
	for _, tt := range []struct {
		name   string
		policy []string
		hashed bool
	}{
		{"--known-hosts accept-new", []string{"--known-hosts", "accept-new"}, false},
		{"-O StrictHostKeyChecking=accept-new", []string{"-O", "StrictHostKeyChecking=accept-new"}, false},
		{"-x -o, hashed", []string{"-x", "-o StrictHostKeyChecking=accept-new -o HashKnownHosts=yes"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(known, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			auth := []string{"-h", b.hostsFile, "--key", b.keyFile, "-l", "tester", "-O", "UserKnownHostsFile=" + known}

			r := runPssh(t, append(auth, "true")...)
			wantCode(t, r, 4)
			for h, st := range statuses(t, r.stdout) {
				if st.reason != "unknown host key (not in "+known+"; --known-hosts accept-new trusts new hosts)" {
					t.Errorf("strict, %s: %+v", h, st)
				}
			}

			r = runPssh(t, append(append(auth, tt.policy...), "true")...)
			wantCode(t, r, 0)
			data, _ := os.ReadFile(known)
			l := lines(string(data))
			if len(l) != 3 {
				t.Fatalf("known_hosts has %d lines, want 3:\n%s", len(l), data)
			}
			for i, h := range b.hosts() {
				if hashed := strings.HasPrefix(l[i], "|1|"); hashed != tt.hashed {
					t.Errorf("line %q: hashed %v, want %v", l[i], hashed, tt.hashed)
				}
				host, port, _ := net.SplitHostPort(h)
				if !tt.hashed && !strings.Contains(string(data), "["+host+"]:"+port+" ") {
					t.Errorf("no line for %s in\n%s", h, data)
				}
			}

			// From now on the hosts are known: the strict default accepts them.
			r = runPssh(t, append(auth, "true")...)
			wantCode(t, r, 0)
			if again, _ := os.ReadFile(known); string(again) != string(data) {
				t.Errorf("known_hosts changed on a second run:\n%s", again)
			}
		})
	}
	t.Run("no warns", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "known_hosts")
		os.WriteFile(empty, nil, 0o600)
		r := runPssh(t, "-h", b.hostsFile, "--key", b.keyFile, "-l", "tester", "-O", "UserKnownHostsFile="+empty, "--known-hosts", "no", "true")
		wantCode(t, r, 0)
		if !strings.Contains(r.stderr, "warning") {
			t.Errorf("no warning: %q", r.stderr)
		}
		if data, _ := os.ReadFile(empty); len(data) != 0 {
			t.Errorf("--known-hosts no recorded keys:\n%s", data)
		}
	})
	t.Run("bad values", func(t *testing.T) {
		for _, args := range [][]string{
			{"--known-hosts", "maybe"},
			{"-O", "StrictHostKeyChecking=perhaps"},
			{"-O", "HashKnownHosts=sometimes"},
		} {
			r := runPssh(t, append(append([]string{"-H", b.hosts()[0]}, args...), "true")...)
			wantCode(t, r, 2)
		}
	})
}

// TestKnownHostsFileMissing: -O UserKnownHostsFile naming a file that does
// not exist yet is an empty file, as ssh reads it: the hosts are unknown
// (exit 4, each saying so), or recorded in it under accept-new.
func TestKnownHostsFileMissing(t *testing.T) {
	b := newBed(t, 2)
	known := filepath.Join(t.TempDir(), "new", "known_hosts")
	auth := []string{"-h", b.hostsFile, "--key", b.keyFile, "-l", "tester", "-O", "UserKnownHostsFile=" + known}
	r := runPssh(t, append(auth, "true")...)
	wantCode(t, r, 4)
	for h, st := range statuses(t, r.stdout) {
		if !strings.HasPrefix(st.reason, "unknown host key") {
			t.Errorf("%s: %+v, want an unknown host key", h, st)
		}
	}
	r = runPssh(t, append(auth, "--known-hosts", "accept-new", "true")...)
	wantCode(t, r, 0)
	data, err := os.ReadFile(known)
	if err != nil || len(lines(string(data))) != 2 {
		t.Fatalf("known_hosts after accept-new: %v\n%s", err, data)
	}
}

// TestKnownHostsMalformedLine: a known_hosts file of one host's ssh_config
// block that holds nothing but a malformed line (x/crypto's reader refused
// it whole: "no valid entries") is read as ssh reads it: the line is
// skipped, with a warning naming the file and line under -v, and only that
// host fails, as unknown; the others run.
func TestKnownHostsMalformedLine(t *testing.T) {
	b := newBed(t, 2)
	var config strings.Builder
	var malformed string
	for i, s := range b.fleet.Servers {
		host, port, _ := net.SplitHostPort(s.Addr)
		file := filepath.Join(t.TempDir(), "known_hosts")
		content := s.KnownHostsLine() + "\n"
		if i == 0 {
			malformed = file
			content = "web1 ssh-ed25519 illegal-base64!\n"
		}
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&config, "Host h%d\n  HostName %s\n  Port %s\n  UserKnownHostsFile %s\n", i, host, port, file)
	}
	configFile := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(configFile, []byte(config.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-H", "h0 h1", "-F", configFile, "--key", b.keyFile, "-l", "tester", "true"}
	for _, verbose := range []bool{false, true} {
		r := runPssh(t, args...)
		if verbose {
			r = runPssh(t, append([]string{"-v"}, args...)...)
		}
		wantCode(t, r, exitConnect)
		st := statuses(t, r.stdout)
		if want := "unknown host key (not in " + malformed + "; --known-hosts accept-new trusts new hosts)"; st["h0"].reason != want {
			t.Errorf("h0: %+v, want FAILURE %q", st["h0"], want)
		}
		if !st["h1"].ok {
			t.Errorf("h1: %+v, want SUCCESS", st["h1"])
		}
		warning := "pssh: warning: " + malformed + ":1: "
		if got := strings.HasPrefix(r.stderr, warning); got != verbose {
			t.Errorf("-v %v: stderr %q; want the warning %q: %v", verbose, r.stderr, warning, verbose)
		}
	}
}
