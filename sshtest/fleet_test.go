package sshtest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestFleet(t *testing.T) {
	t.Parallel()
	const n = 50
	fleet, err := NewFleet(n, Config{Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fleet.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()

	addrs := fleet.Addrs()
	if len(addrs) != n || len(fleet.Servers) != n {
		t.Fatalf("got %d addrs, %d servers; want %d", len(addrs), len(fleet.Servers), n)
	}
	seen := make(map[string]bool)
	for i, s := range fleet.Servers {
		if addrs[i] != s.Addr || seen[s.Addr] {
			t.Errorf("server %d: addr %q (listed %q) duplicated or out of order", i, s.Addr, addrs[i])
		}
		seen[s.Addr] = true
		if want := "127.0.0." + strconv.Itoa(i+1); s.Host() != want {
			t.Errorf("server %d on %s, want host %s", i, s.Addr, want)
		}
		if string(s.HostKey.Marshal()) != string(fleet.Servers[0].HostKey.Marshal()) {
			t.Errorf("server %d has its own host key, want a shared one", i)
		}
	}

	// The known_hosts content works with the standard knownhosts package.
	known := fleet.KnownHosts()
	file := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(file, known, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := knownhosts.New(file)
	if err != nil {
		t.Fatalf("knownhosts.New: %v", err)
	}
	callbacks := []struct {
		name string
		cb   ssh.HostKeyCallback
	}{
		{"knownhosts file", fromFile},
		{"Fleet.HostKeyCallback", fleet.HostKeyCallback()},
	}
	for _, c := range callbacks {
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			outs := make([]string, n)
			errs := make([]error, n)
			for i, addr := range addrs {
				wg.Go(func() {
					cfg := &ssh.ClientConfig{User: "u", Auth: []ssh.AuthMethod{ssh.Password(testPassword)}, HostKeyCallback: c.cb}
					client, err := ssh.Dial("tcp", addr, cfg)
					if err != nil {
						errs[i] = err
						return
					}
					defer client.Close()
					sess, err := client.NewSession()
					if err != nil {
						errs[i] = err
						return
					}
					defer sess.Close()
					out, err := sess.Output("echo " + strconv.Itoa(i))
					outs[i], errs[i] = string(out), err
				})
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil || outs[i] != strconv.Itoa(i)+"\n" {
					t.Errorf("server %d (%s): (%q, %v)", i, addrs[i], outs[i], errs[i])
				}
			}
		})
	}

	// Keys are only accepted for the fleet's own addresses.
	stranger, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	first := fleet.Servers[0]
	remote := &net.TCPAddr{IP: net.ParseIP(first.Host()), Port: first.Port()}
	for _, c := range callbacks {
		if err := c.cb(first.Addr, remote, stranger.PublicKey()); err == nil {
			t.Errorf("%s accepted a foreign key for %s", c.name, first.Addr)
		}
		if err := c.cb(first.Addr, remote, first.HostKey); err != nil {
			t.Errorf("%s rejected %s: %v", c.name, first.Addr, err)
		}
	}
	unknownAddr := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}
	if err := fleet.HostKeyCallback()("127.0.0.1:1", unknownAddr, first.HostKey); err == nil {
		t.Error("Fleet.HostKeyCallback accepted an address outside the fleet")
	}
}

func TestFleetAddressWrapAround(t *testing.T) {
	t.Parallel()
	fleet, err := NewFleet(256, Config{NoClientAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	tests := []struct {
		index int
		host  string
	}{
		{0, "127.0.0.1"},
		{253, "127.0.0.254"},
		{254, "127.0.0.1"},
		{255, "127.0.0.2"},
	}
	for _, tt := range tests {
		if got := fleet.Servers[tt.index].Host(); got != tt.host {
			t.Errorf("server %d on %s, want %s", tt.index, got, tt.host)
		}
	}
	if a, b := fleet.Servers[0].Port(), fleet.Servers[254].Port(); a == b {
		t.Errorf("servers 0 and 254 share host and port %d", a)
	}
}

func TestFleetEmptyAndInvalid(t *testing.T) {
	t.Parallel()
	fleet, err := NewFleet(0, Config{})
	if err != nil || len(fleet.Servers) != 0 || len(fleet.KnownHosts()) != 0 || fleet.Close() != nil {
		t.Errorf("NewFleet(0) = (%v, %v), want an empty fleet", fleet, err)
	}
	if _, err := NewFleet(-1, Config{}); err == nil {
		t.Error("NewFleet(-1) succeeded")
	}
}

func TestNewFleetFunc(t *testing.T) {
	t.Parallel()
	const n = 6
	fleet, err := NewFleetFunc(n, func(i int) Config {
		cfg := Config{Password: testPassword, Handler: Output([]byte("server "+strconv.Itoa(i)), nil, Exit{Code: i})}
		if i == n-1 {
			cfg.Faults.RejectAuth = true
		}
		return cfg
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	for i, srv := range fleet.Servers {
		if string(srv.HostKey.Marshal()) != string(fleet.Servers[0].HostKey.Marshal()) {
			t.Errorf("server %d has its own host key, want a shared one", i)
		}
		client, err := ssh.Dial("tcp", srv.Addr, clientConfig(srv, "u", ssh.Password(testPassword)))
		if i == n-1 {
			if err == nil {
				client.Close()
				t.Errorf("server %d: login succeeded despite RejectAuth", i)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		res := run(t, client, "anything", "")
		if status, _ := exitOf(t, res.err); res.stdout != "server "+strconv.Itoa(i) || status != i {
			t.Errorf("server %d: stdout %q status %d", i, res.stdout, status)
		}
		client.Close()
	}
	if _, err := NewFleetFunc(-1, nil); err == nil {
		t.Error("NewFleetFunc(-1) succeeded")
	}
}
