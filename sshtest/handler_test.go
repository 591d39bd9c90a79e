package sshtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// echoHandler answers with what it was asked, so that tests can check what
// a handler sees: command, user, env, pty, stdin.
func echoHandler(ctx context.Context, e *Exec) Exit {
	fmt.Fprintf(e.Stdout, "command=%q shell=%v user=%s\n", e.Command, e.Shell, e.User)
	fmt.Fprintf(e.Stdout, "env=%q\n", e.Env)
	if e.PTY != nil {
		fmt.Fprintf(e.Stdout, "pty=%s %dx%d\n", e.PTY.Term, e.PTY.Columns, e.PTY.Rows)
	}
	in, err := io.ReadAll(e.Stdin)
	if err != nil {
		return Exit{Code: 99}
	}
	fmt.Fprintf(e.Stderr, "stdin=%q\n", in)
	if e.Command == "fail" {
		return Exit{Code: 7}
	}
	return Exit{}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Handler: echoHandler, Env: []string{"FROM_CONFIG=1"}})
	client := dial(t, srv)
	tests := []struct {
		name, cmd, stdin string
		env              map[string]string
		wantStdout       string
		wantStderr       string
		wantStatus       int
	}{
		{name: "command", cmd: "echo hi", stdin: "in\n",
			wantStdout: "command=\"echo hi\" shell=false user=tester\nenv=[\"FROM_CONFIG=1\"]\n",
			wantStderr: "stdin=\"in\\n\"\n"},
		{name: "exit status", cmd: "fail",
			wantStdout: "command=\"fail\" shell=false user=tester\nenv=[\"FROM_CONFIG=1\"]\n",
			wantStderr: "stdin=\"\"\n", wantStatus: 7},
		{name: "client env", cmd: "env", env: map[string]string{"A": "1"},
			wantStdout: "command=\"env\" shell=false user=tester\nenv=[\"FROM_CONFIG=1\" \"A=1\"]\n",
			wantStderr: "stdin=\"\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := newSession(t, client)
			for k, v := range tt.env {
				if err := sess.Setenv(k, v); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			sess.Stdin = strings.NewReader(tt.stdin)
			sess.Stdout, sess.Stderr = &stdout, &stderr
			status, sig := exitOf(t, sess.Run(tt.cmd))
			if stdout.String() != tt.wantStdout || stderr.String() != tt.wantStderr || status != tt.wantStatus || sig != "" {
				t.Errorf("got stdout %q stderr %q status %d signal %q\nwant stdout %q stderr %q status %d",
					stdout.String(), stderr.String(), status, sig, tt.wantStdout, tt.wantStderr, tt.wantStatus)
			}
		})
	}
	if got := srv.Sessions(); got != int64(len(tests)) {
		t.Errorf("Sessions() = %d, want %d", got, len(tests))
	}
}

func TestHandlerShellWithPTY(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Handler: func(ctx context.Context, e *Exec) Exit {
		fmt.Fprintf(e.Stdout, "shell=%v command=%q ", e.Shell, e.Command)
		if e.PTY != nil {
			fmt.Fprintf(e.Stderr, "pty=%s %dx%d", e.PTY.Term, e.PTY.Columns, e.PTY.Rows)
		}
		return Exit{Code: 3}
	}})
	client := dial(t, srv)
	sess := newSession(t, client)
	if err := sess.RequestPty("vt100", 40, 120, nil); err != nil {
		t.Fatal(err)
	}
	// A window change on a handler's pty is accepted.
	if err := sess.WindowChange(50, 132); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	status, _ := exitOf(t, sess.Wait())
	// On a pty, stderr arrives on stdout.
	want := `shell=true command="" pty=vt100 120x40`
	if stdout.String() != want || stderr.Len() != 0 || status != 3 {
		t.Errorf("stdout %q stderr %q status %d; want %q, nothing, 3", stdout.String(), stderr.String(), status, want)
	}
}

func TestHandlerSignals(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Handler: func(ctx context.Context, e *Exec) Exit {
		io.WriteString(e.Stdout, "ready\n")
		select {
		case sig := <-e.Signals:
			return Exit{Signal: sig}
		case <-ctx.Done():
			return Exit{}
		}
	}})
	client := dial(t, srv)
	for _, sig := range []ssh.Signal{ssh.SIGTERM, ssh.SIGINT, "SIGUSR1"} {
		sess := newSession(t, client)
		stdout := startStdout(t, sess, "wait")
		readString(t, stdout, "ready\n")
		// The reply comes before the channel closes, so Signal succeeds.
		ok, err := sess.SendRequest("signal", true, ssh.Marshal(signalRequest{Signal: string(sig)}))
		if !ok || err != nil {
			t.Fatalf("signal %s: ok %v, err %v", sig, ok, err)
		}
		_, got := exitOf(t, sess.Wait())
		if want := strings.TrimPrefix(string(sig), "SIG"); got != want {
			t.Errorf("signal %s: exit signal %q, want %q", sig, got, want)
		}
	}
}

func TestHandlerContextEndsWithChannel(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	srv := startServer(t, Config{Password: testPassword, Handler: func(ctx context.Context, e *Exec) Exit {
		io.WriteString(e.Stdout, "started\n")
		<-ctx.Done()
		// Output after the end goes nowhere, and fails.
		_, err := io.WriteString(e.Stdout, "too late")
		ended <- err
		return Exit{}
	}})
	client := dial(t, srv)
	sess := newSession(t, client)
	stdout := startStdout(t, sess, "x")
	readString(t, stdout, "started\n")
	sess.Close()
	if err := <-ended; err == nil {
		t.Error("write after the channel closed succeeded")
	}
}

func TestReadyMadeHandlers(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 0, 300)
	for i := range 256 {
		binary = append(binary, byte(i))
	}
	binary = append(binary, "\xff\xfe\xc3\x28\xe2\x82\x00\xf0\x28\x8c\xbc"...) // invalid UTF-8
	tests := []struct {
		name       string
		handler    Handler
		wantStdout []byte
		wantStderr []byte
		wantStatus int
		wantSignal string
	}{
		{"output", Output([]byte("out\n"), []byte("err\n"), Exit{Code: 4}), []byte("out\n"), []byte("err\n"), 4, ""},
		{"binary and invalid UTF-8", Output(binary, binary[:10], Exit{}), binary, binary[:10], 0, ""},
		{"exit by signal", Output([]byte("partial"), nil, Exit{Signal: "SEGV"}), []byte("partial"), nil, 0, "SEGV"},
		{"exit by signal with SIG prefix", Output(nil, nil, Exit{Signal: "SIGKILL"}), nil, nil, 0, "KILL"},
		{"repeat no newline", Repeat([]byte("xyz"), 1<<20+1), bytes.Repeat([]byte("xyz"), 1<<20/3+1)[:1<<20+1], nil, 0, ""},
		{"repeat nothing", Repeat(nil, 100), nil, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{Password: testPassword, Handler: tt.handler})
			sess := newSession(t, dial(t, srv))
			var stdout, stderr bytes.Buffer
			sess.Stdout, sess.Stderr = &stdout, &stderr
			status, sig := exitOf(t, sess.Run("anything"))
			if !bytes.Equal(stdout.Bytes(), tt.wantStdout) || !bytes.Equal(stderr.Bytes(), tt.wantStderr) {
				t.Errorf("stdout %d bytes, stderr %d bytes: not the %d and %d bytes written", stdout.Len(), stderr.Len(), len(tt.wantStdout), len(tt.wantStderr))
			}
			if sig != tt.wantSignal || sig == "" && status != tt.wantStatus {
				t.Errorf("status %d signal %q, want %d %q", status, sig, tt.wantStatus, tt.wantSignal)
			}
		})
	}
}

func TestHang(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Handler: Hang([]byte("stuck\n"))})
	client := dial(t, srv)
	sess := newSession(t, client)
	stdout := startStdout(t, sess, "x")
	readString(t, stdout, "stuck\n")
	// Signals are taken but ignored: the command keeps running.
	if err := sess.Signal(ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err := <-waited:
		t.Fatalf("Hang ended after TERM: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Only the connection going away ends it; Close does not wait forever.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	var exitErr *ssh.ExitError
	if err := <-waited; err == nil || errors.As(err, &exitErr) {
		t.Errorf("Wait after server Close = %v, want an error without exit status", err)
	}
}

func TestSlowOutput(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	for _, tt := range []struct {
		name    string
		handler Handler
	}{
		{"shell", nil},
		{"handler", Output([]byte("abcde"), []byte("XY"), Exit{})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{Password: testPassword, Handler: tt.handler, Faults: Faults{SlowOutput: delay}})
			sess := newSession(t, dial(t, srv))
			stdout, err := sess.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			sess.Stderr = &stderr
			start := time.Now()
			if err := sess.Start("printf abcde; printf XY >&2"); err != nil {
				t.Fatal(err)
			}
			// Each read gets exactly one byte: each was sent on its own.
			var reads []string
			buf := make([]byte, 64)
			for {
				n, err := stdout.Read(buf)
				if n > 0 {
					reads = append(reads, string(buf[:n]))
				}
				if err != nil {
					break
				}
			}
			if err := sess.Wait(); err != nil {
				t.Fatal(err)
			}
			if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(reads, want) {
				t.Errorf("stdout reads %q, want %q", reads, want)
			}
			if stderr.String() != "XY" {
				t.Errorf("stderr %q", stderr.String())
			}
			if took, least := time.Since(start), 5*delay; took < least {
				t.Errorf("took %v, want at least %v", took, least)
			}
		})
	}
}

func TestHandlerDropAfter(t *testing.T) {
	t.Parallel()
	const dropAfter = 10000
	srv := startServer(t, Config{Password: testPassword, Handler: Repeat([]byte("0123456789"), 1<<20),
		Faults: Faults{DropAfter: dropAfter}})
	client := dial(t, srv)
	sess := newSession(t, client)
	stdout := startStdout(t, sess, "x")
	got, _ := io.ReadAll(stdout)
	if len(got) > dropAfter || !bytes.Equal(got, bytes.Repeat([]byte("0123456789"), dropAfter/10)[:len(got)]) {
		t.Errorf("read %d bytes, want a prefix of the output of at most %d", len(got), dropAfter)
	}
	var exitErr *ssh.ExitError
	if err := sess.Wait(); err == nil || errors.As(err, &exitErr) {
		t.Errorf("Wait = %v, want a connection error", err)
	}
	if _, err := client.NewSession(); err == nil {
		t.Error("NewSession succeeded on a dropped connection")
	}
}
