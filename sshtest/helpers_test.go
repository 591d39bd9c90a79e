package sshtest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

const testPassword = "s3cret"

// startServer starts a server with cfg (logging to t) and closes it when the
// test ends.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// passwordServer starts a server accepting testPassword.
func passwordServer(t *testing.T) *Server {
	t.Helper()
	return startServer(t, Config{Password: testPassword})
}

// clientConfig returns a client config for srv using auth.
func clientConfig(srv *Server, user string, auth ...ssh.AuthMethod) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: srv.HostKeyCallback(),
		Timeout:         10 * time.Second,
	}
}

// dial connects to srv with testPassword and closes the client at the end
// of the test.
func dial(t testing.TB, srv *Server) *ssh.Client {
	t.Helper()
	client, err := ssh.Dial("tcp", srv.Addr, clientConfig(srv, "tester", ssh.Password(testPassword)))
	if err != nil {
		t.Fatalf("dial %s: %v", srv.Addr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// newSession opens a session on client.
func newSession(t *testing.T, client *ssh.Client) *ssh.Session {
	t.Helper()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// result is what a command produced.
type result struct {
	stdout, stderr string
	err            error
}

// run runs cmd in a new session with the given stdin.
func run(t *testing.T, client *ssh.Client, cmd, stdin string) result {
	t.Helper()
	sess := newSession(t, client)
	var stdout, stderr bytes.Buffer
	sess.Stdin = strings.NewReader(stdin)
	sess.Stdout, sess.Stderr = &stdout, &stderr
	err := sess.Run(cmd)
	return result{stdout.String(), stderr.String(), err}
}

// exitOf returns the exit status and signal name of a Run error.
func exitOf(t *testing.T, err error) (status int, signal string) {
	t.Helper()
	if err == nil {
		return 0, ""
	}
	var exitErr *ssh.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("command failed without exit status: %v", err)
	}
	return exitErr.ExitStatus(), exitErr.Signal()
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// processGone reports whether pid no longer runs: it does not exist, or it
// is a zombie waiting for a parent that is not us.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// Format: pid (comm) state ...
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// startStdout starts cmd in sess and returns its standard output.
func startStdout(t *testing.T, sess *ssh.Session, cmd string) io.Reader {
	t.Helper()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start(cmd); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return stdout
}

// readString reads exactly len(want) bytes from r and fails unless they
// are want.
func readString(t *testing.T, r io.Reader, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

// startPID starts `echo $$; exec CMD` in sess and returns the process ID
// printed, which is the command's (and its process group's) ID.
func startPID(t *testing.T, sess *ssh.Session, cmd string) int {
	t.Helper()
	stdout := startStdout(t, sess, "echo $$; exec "+cmd)
	var line []byte
	buf := make([]byte, 1)
	for {
		if _, err := stdout.Read(buf); err != nil {
			t.Fatalf("reading pid: %v", err)
		}
		if buf[0] == '\n' {
			break
		}
		line = append(line, buf[0])
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(line)))
	if err != nil || pid <= 1 {
		t.Fatalf("bad pid line %q", line)
	}
	return pid
}
