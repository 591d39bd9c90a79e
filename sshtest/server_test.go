package sshtest

import (
	"bytes"
	"errors"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestNewServerAtLoopbackOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr     string
		wantHost string // "" means the address must be refused
	}{
		{"127.0.0.1:0", "127.0.0.1"},
		{"127.0.0.5:0", "127.0.0.5"},
		{"127.255.255.254:0", "127.255.255.254"},
		{"[::1]:0", "::1"},
		{"localhost:0", ""}, // checked below: whichever loopback it resolves to
		{"0.0.0.0:0", ""},
		{":0", ""},
		{"[::]:0", ""},
		{"192.0.2.1:0", ""},
		{"10.1.2.3:0", ""},
		{"example.com:0", ""},
		{"127.0.0.1", ""}, // no port
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			srv, err := NewServerAt(tt.addr, Config{NoClientAuth: true})
			if tt.addr == "localhost:0" {
				if err != nil {
					t.Skipf("localhost unusable here: %v", err)
				}
				defer srv.Close()
				if ip := net.ParseIP(srv.Host()); ip == nil || !ip.IsLoopback() {
					t.Errorf("localhost server on %s, want loopback", srv.Addr)
				}
				return
			}
			if tt.wantHost == "" {
				if err == nil {
					srv.Close()
					t.Fatalf("NewServerAt(%q) succeeded on %s, want refusal", tt.addr, srv.Addr)
				}
				return
			}
			if err != nil {
				if strings.Contains(tt.addr, "::1") {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatalf("NewServerAt(%q): %v", tt.addr, err)
			}
			defer srv.Close()
			if srv.Host() != tt.wantHost {
				t.Errorf("Host() = %q, want %q", srv.Host(), tt.wantHost)
			}
			if want := net.JoinHostPort(tt.wantHost, strconv.Itoa(srv.Port())); srv.Addr != want || srv.Port() == 0 {
				t.Errorf("Addr = %q, Port() = %d; want %q", srv.Addr, srv.Port(), want)
			}
			client, err := ssh.Dial("tcp", srv.Addr, clientConfig(srv, "u"))
			if err != nil {
				t.Fatalf("dial %s: %v", srv.Addr, err)
			}
			client.Close()
		})
	}
}

func TestHostKeyAndKnownHostsLine(t *testing.T) {
	t.Parallel()
	hostKey, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, Config{NoClientAuth: true, HostKey: hostKey.Signer})
	if !bytes.Equal(srv.HostKey.Marshal(), hostKey.PublicKey().Marshal()) {
		t.Error("HostKey is not the configured key")
	}

	line := srv.KnownHostsLine()
	wantPrefix := "[127.0.0.1]:" + strconv.Itoa(srv.Port()) + " ssh-ed25519 AAAA"
	if !strings.HasPrefix(line, wantPrefix) || strings.Contains(line, "\n") {
		t.Errorf("KnownHostsLine() = %q, want prefix %q and no newline", line, wantPrefix)
	}
	_, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
	if err != nil {
		t.Fatalf("ParseKnownHosts: %v", err)
	}
	if len(hosts) != 1 || hosts[0] != "[127.0.0.1]:"+strconv.Itoa(srv.Port()) || !bytes.Equal(key.Marshal(), srv.HostKey.Marshal()) {
		t.Errorf("known_hosts line parses to hosts %q and another key", hosts)
	}

	// HostKeyCallback accepts this key only.
	cb := srv.HostKeyCallback()
	addr := &net.TCPAddr{IP: net.ParseIP(srv.Host()), Port: srv.Port()}
	if err := cb(srv.Addr, addr, srv.HostKey); err != nil {
		t.Errorf("HostKeyCallback rejected the server's key: %v", err)
	}
	other := startServer(t, Config{NoClientAuth: true})
	if err := cb(srv.Addr, addr, other.HostKey); err == nil {
		t.Error("HostKeyCallback accepted another key")
	}
	if _, err := ssh.Dial("tcp", other.Addr, &ssh.ClientConfig{User: "u", HostKeyCallback: cb}); err == nil {
		t.Error("dial to another server with this server's HostKeyCallback succeeded")
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	srv := passwordServer(t)
	const clients, perClient = 3, 2
	for range clients {
		client := dial(t, srv)
		for range perClient {
			if res := run(t, client, "true", ""); res.err != nil {
				t.Fatalf("Run: %v", res.err)
			}
		}
	}
	// A session with no exec or shell request does not count.
	newSession(t, dial(t, srv))
	if got := srv.Accepted(); got != clients+1 {
		t.Errorf("Accepted() = %d, want %d", got, clients+1)
	}
	if got := srv.Sessions(); got != clients*perClient {
		t.Errorf("Sessions() = %d, want %d", got, clients*perClient)
	}
}

func TestCloseKillsCommands(t *testing.T) {
	t.Parallel()
	// An address of its own: on 127.0.0.1 a parallel test's server may take
	// the port as soon as Close frees it, and answer the dial below.
	srv, err := NewServerAt("127.0.3.77:0", Config{Password: testPassword, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	client := dial(t, srv)
	var pids []int
	for range 3 {
		pids = append(pids, startPID(t, newSession(t, client), "sleep 100"))
	}
	ptySess := newSession(t, client)
	if err := ptySess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	pids = append(pids, startPID(t, ptySess, "sleep 100"))

	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close waited for the processes to be killed and reaped by the server,
	// their parent: they no longer exist at all.
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d after Close: kill(0) = %v, want ESRCH", pid, err)
		}
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := net.Dial("tcp", srv.Addr); err == nil {
		c.Close()
		t.Error("server still accepts connections after Close")
	}
}

func TestConcurrentClose(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Config{Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	pid := startPID(t, newSession(t, dial(t, srv)), "sleep 100")
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { errs[i] = srv.Close() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Close #%d: %v", i, err)
		}
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d after Close: kill(0) = %v, want ESRCH", pid, err)
	}
}

func TestManyConcurrentConnections(t *testing.T) {
	t.Parallel()
	srv := passwordServer(t)
	const n = 200
	cfg := clientConfig(srv, "u", ssh.Password(testPassword))
	clients := make([]*ssh.Client, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { clients[i], errs[i] = ssh.Dial("tcp", srv.Addr, cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer clients[i].Close()
	}
	// All connections are open at once; run a command on each.
	outs := make([]string, n)
	for i, c := range clients {
		wg.Go(func() {
			var out []byte
			sess, err := c.NewSession()
			if err == nil {
				out, err = sess.Output("echo " + strconv.Itoa(i))
				sess.Close()
			}
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || outs[i] != strconv.Itoa(i)+"\n" {
			t.Errorf("client %d: (%q, %v)", i, outs[i], errs[i])
		}
	}
	if got := srv.Accepted(); got != n {
		t.Errorf("Accepted() = %d, want %d", got, n)
	}
}

// TestNoGoroutineLeak is deliberately not parallel: it compares goroutine
// counts, and parallel tests only start after all sequential ones.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()

	srv, err := NewServer(Config{Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", srv.Addr, clientConfig(srv, "u", ssh.Password(testPassword)))
	if err != nil {
		t.Fatal(err)
	}
	// A finished command, a running one, one with a pty, one hanging.
	if res := run(t, client, "cat", "data"); res.stdout != "data" {
		t.Fatalf("Run = (%q, %v)", res.stdout, res.err)
	}
	startPID(t, newSession(t, client), "sleep 100")
	ptySess := newSession(t, client)
	if err := ptySess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	startPID(t, ptySess, "sleep 100")
	// From now on: exec requests hang, and new connections get no banner.
	srv.SetFaults(Faults{HangExec: true, NoBanner: true})
	hung := newSession(t, client)
	hungDone := make(chan error, 1)
	go func() { hungDone <- hung.Start("true") }()
	waitFor(t, "hung exec request to arrive", func() bool { return srv.Sessions() == 4 })
	silent, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "silent connection to be accepted", func() bool { return srv.Accepted() == 2 })
	if during := runtime.NumGoroutine(); during <= before {
		t.Fatalf("goroutines: %d before, %d while serving; the count measures nothing", before, during)
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	client.Close()
	silent.Close()
	if err := <-hungDone; err == nil {
		t.Error("hung exec request succeeded")
	}
	waitFor(t, "goroutines to finish", func() bool { return runtime.NumGoroutine() <= before })
}
