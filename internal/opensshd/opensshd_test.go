package opensshd_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh/internal/opensshd"
)

// dialTimeout bounds SSH handshakes in these tests.
const dialTimeout = 10 * time.Second

// dial logs in to addr as user with auth, failing the test on error.
func dial(t *testing.T, s *opensshd.Server, addr, user string, auth ...ssh.AuthMethod) *ssh.Client {
	t.Helper()
	c, err := tryDial(s, addr, user, auth...)
	if err != nil {
		t.Fatalf("ssh to %s@%s: %v", user, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tryDial logs in to addr as user with auth.
func tryDial(s *opensshd.Server, addr, user string, auth ...ssh.AuthMethod) (*ssh.Client, error) {
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: s.HostKeyCallback(),
		Timeout:         dialTimeout,
	})
}

// run runs cmd on c and returns its standard output.
func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	out, err := sess.Output(cmd)
	if err != nil {
		t.Fatalf("%q: %v; stderr: %s", cmd, err, stderr.String())
	}
	return string(out)
}

func TestPublicKeyOnTwoAddresses(t *testing.T) {
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	want := []string{
		"127.0.0.1:" + strconv.Itoa(s.Port),
		"127.0.0.2:" + strconv.Itoa(s.Port),
	}
	if strings.Join(s.Addrs, ",") != strings.Join(want, ",") {
		t.Fatalf("Addrs = %v, want %v", s.Addrs, want)
	}
	for _, addr := range s.Addrs {
		c := dial(t, s, addr, s.User, ssh.PublicKeys(s.ClientSigner))
		if got := run(t, c, "echo hello"); got != "hello\n" {
			t.Errorf("%s: echo hello printed %q", addr, got)
		}
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})

	fi, err := os.Stat(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("ClientKeyFile mode %o, want 600", perm)
	}
	pem, err := os.ReadFile(s.ClientKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatalf("parsing ClientKeyFile: %v", err)
	}
	if !bytes.Equal(signer.PublicKey().Marshal(), s.ClientSigner.PublicKey().Marshal()) {
		t.Error("ClientKeyFile and ClientSigner hold different keys")
	}
	if got := s.HostKey.Type(); got != ssh.KeyAlgoED25519 {
		t.Errorf("host key type %s, want %s", got, ssh.KeyAlgoED25519)
	}
	if !strings.HasPrefix(s.Dir, os.TempDir()) {
		t.Errorf("Dir %s is not under %s", s.Dir, os.TempDir())
	}
}

func TestIPv6Loopback(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	l.Close()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"::1"}})
	if want := "[::1]:" + strconv.Itoa(s.Port); s.Addrs[0] != want {
		t.Fatalf("Addrs %v, want [%s]", s.Addrs, want)
	}
	check, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addrs[0], &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
		HostKeyCallback: check,
		Timeout:         dialTimeout,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addrs[0], err)
	}
	defer c.Close()
	if got := run(t, c, "echo six"); got != "six\n" {
		t.Errorf("echo six printed %q", got)
	}
}

func TestKnownHostsFile(t *testing.T) {
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	data, err := os.ReadFile(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "[127.0.0.1]:"+strconv.Itoa(s.Port)+" ssh-ed25519 ") {
		t.Errorf("known_hosts starts %q", data)
	}
	check, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatalf("knownhosts.New: %v", err)
	}
	other, err := ssh.NewSignerFromKey(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range s.Addrs {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := check(addr, tcp, s.HostKey); err != nil {
			t.Errorf("%s: host key rejected: %v", addr, err)
		}
		var keyErr *knownhosts.KeyError
		if err := check(addr, tcp, other.PublicKey()); !errors.As(err, &keyErr) || len(keyErr.Want) == 0 {
			t.Errorf("%s: wrong host key: got %v, want a key mismatch", addr, err)
		}
		// And a real handshake through the file.
		c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
			User:            s.User,
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
			HostKeyCallback: check,
			Timeout:         dialTimeout,
		})
		if err != nil {
			t.Fatalf("dial %s with known_hosts: %v", addr, err)
		}
		c.Close()
	}
}

// requireRoot skips tests that log in as another user: an sshd not
// running as root can only log in its own user.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: sshd can only log in as the user running it")
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	user, password := opensshd.EnsureTestUser(t)
	if user != opensshd.TestUser || password != opensshd.TestPassword {
		t.Fatalf("EnsureTestUser = %q, %q", user, password)
	}
	// Twice: it must be idempotent.
	opensshd.EnsureTestUser(t)

	s := opensshd.StartT(t, opensshd.Options{Password: true})
	c := dial(t, s, s.Addrs[0], user, ssh.Password(password))
	if got := run(t, c, "id -un"); got != opensshd.TestUser+"\n" {
		t.Errorf("id -un printed %q, want %s", got, opensshd.TestUser)
	}
	// The client key works for the test user too.
	c = dial(t, s, s.Addrs[0], user, ssh.PublicKeys(s.ClientSigner))
	if got := run(t, c, "id -un"); got != opensshd.TestUser+"\n" {
		t.Errorf("id -un printed %q, want %s", got, opensshd.TestUser)
	}
	if _, err := tryDial(s, s.Addrs[0], user, ssh.Password("wrong"+password)); err == nil {
		t.Error("login with a wrong password succeeded")
	}
}

func TestPasswordOffByDefault(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	user, password := opensshd.EnsureTestUser(t)
	s := opensshd.StartT(t, opensshd.Options{})
	if _, err := tryDial(s, s.Addrs[0], user, ssh.Password(password)); err == nil {
		t.Error("password login succeeded without Options.Password")
	}
}

func TestAgent(t *testing.T) {
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{})
	sock := opensshd.StartAgent(t, s.ClientKeyFile)
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial agent: %v", err)
	}
	defer conn.Close()
	ag := agent.NewClient(conn)
	keys, err := ag.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !bytes.Equal(keys[0].Marshal(), s.ClientSigner.PublicKey().Marshal()) {
		t.Fatalf("agent holds %v, want the client key", keys)
	}
	c := dial(t, s, s.Addrs[0], s.User, ssh.PublicKeysCallback(ag.Signers))
	if got := run(t, c, "echo agent"); got != "agent\n" {
		t.Errorf("echo agent printed %q", got)
	}
}

func TestExtraConfigTakesPrecedence(t *testing.T) {
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{ExtraConfig: []string{"PubkeyAuthentication no"}})
	if _, err := tryDial(s, s.Addrs[0], s.User, ssh.PublicKeys(s.ClientSigner)); err == nil {
		t.Error("public key login succeeded despite ExtraConfig PubkeyAuthentication no")
	}

	s = opensshd.StartT(t, opensshd.Options{ExtraConfig: []string{
		"Match User nobody-" + s.User,
		"    PubkeyAuthentication no",
	}})
	c := dial(t, s, s.Addrs[0], s.User, ssh.PublicKeys(s.ClientSigner))
	if got := run(t, c, "echo match"); got != "match\n" {
		t.Errorf("echo match printed %q", got)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	opensshd.Require(t)
	s, err := opensshd.Start(opensshd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := dial(t, s, s.Addrs[0], s.User, ssh.PublicKeys(s.ClientSigner))

	// A session that would outlive sshd if Close missed the
	// per-connection processes.
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("echo started; exec sleep 600"); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len("started\n"))
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != "started\n" {
		t.Fatalf("session start: %q, %v", line, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("session ended cleanly, want it cut off")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session still running 10s after Close")
	}
	if conn, err := net.DialTimeout("tcp", s.Addrs[0], time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Close", s.Addrs[0])
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("Dir %s still there after Close: %v", s.Dir, err)
	}
	if !strings.Contains(s.Log(), "Server listening on 127.0.0.1 port "+strconv.Itoa(s.Port)) {
		t.Errorf("Log after Close lacks the listening line:\n%s", s.Log())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addrs := range [][]string{
		{"0.0.0.0"}, {"192.0.2.1"}, {"::"}, {"localhost"}, {"127.0.0.1", "127.0.0.1"},
	} {
		if s, err := opensshd.Start(opensshd.Options{Addrs: addrs}); err == nil {
			s.Close()
			t.Errorf("Start(%v) succeeded, want an error", addrs)
		}
	}
}

func TestPortTaken(t *testing.T) {
	t.Parallel()
	opensshd.Require(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	s, err := opensshd.Start(opensshd.Options{Port: port})
	if err == nil {
		s.Close()
		t.Fatalf("Start on taken port %d succeeded", port)
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("error does not quote sshd's log: %v", err)
	}
}

func TestFixedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := opensshd.StartT(t, opensshd.Options{Port: port})
	if s.Port != port || s.Addrs[0] != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("Port %d Addrs %v, want port %d", s.Port, s.Addrs, port)
	}
	c := dial(t, s, s.Addrs[0], s.User, ssh.PublicKeys(s.ClientSigner))
	if got := run(t, c, "echo fixed"); got != "fixed\n" {
		t.Errorf("echo fixed printed %q", got)
	}
}

func TestSSHDPath(t *testing.T) {
	t.Parallel()
	want := opensshd.Require(t)
	got, err := opensshd.SSHDPath()
	if err != nil || got != want || !strings.HasPrefix(got, "/") {
		t.Errorf("SSHDPath() = %q, %v; Require = %q", got, err, want)
	}
}

// mustKey generates an ed25519 private key.
func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestChildren(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Children counts processes through /proc")
	}
	t.Parallel()
	s := opensshd.StartT(t, opensshd.Options{})
	waitChildren := func(want func(int) bool) int {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := s.Children()
			if want(n) || time.Now().After(deadline) {
				return n
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The readiness probes' handlers may still be exiting.
	if n := waitChildren(func(n int) bool { return n == 0 }); n != 0 {
		t.Fatalf("idle server: Children() = %d", n)
	}
	c, err := tryDial(s, s.Addrs[0], s.User, ssh.PublicKeys(s.ClientSigner))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Children(); n == 0 {
		t.Error("Children() = 0 with a connection open")
	}
	c.Close()
	if n := waitChildren(func(n int) bool { return n == 0 }); n != 0 {
		t.Errorf("after the connection closed: Children() = %d", n)
	}
	s.Close()
	if n := s.Children(); n != 0 {
		t.Errorf("after Close: Children() = %d", n)
	}
}
