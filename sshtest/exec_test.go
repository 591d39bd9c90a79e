package sshtest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestExec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, Config{
		Password: testPassword,
		Env:      []string{"SSHTEST_FROM_CONFIG=cfg-value"},
		Dir:      dir,
	})
	client := dial(t, srv)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		cmd        string
		stdin      string
		env        map[string]string
		wantStdout string
		wantStderr string
		wantStatus int
		wantSignal string
	}{
		{name: "stdout", cmd: "echo hello", wantStdout: "hello\n"},
		{name: "stderr", cmd: "echo oops >&2", wantStderr: "oops\n"},
		{name: "both streams", cmd: "echo out; echo err >&2; echo out2", wantStdout: "out\nout2\n", wantStderr: "err\n"},
		{name: "exit 3", cmd: "echo partial; exit 3", wantStdout: "partial\n", wantStatus: 3},
		{name: "exit-signal", cmd: "kill -TERM $$", wantSignal: "TERM"},
		{name: "stdin round trip", cmd: "cat", stdin: "line 1\nline 2\n", wantStdout: "line 1\nline 2\n"},
		{name: "stdin EOF ends read", cmd: "wc -l", stdin: "a\nb\nc\n", wantStdout: "3\n"},
		{name: "client env", cmd: `echo "$GREETING $TARGET"`, env: map[string]string{"GREETING": "hi", "TARGET": "there"}, wantStdout: "hi there\n"},
		{name: "config env", cmd: `echo "$SSHTEST_FROM_CONFIG"`, wantStdout: "cfg-value\n"},
		{name: "working directory", cmd: "pwd -P", wantStdout: realDir + "\n"},
		{name: "no tty without pty-req", cmd: "test -t 0 || echo notty", wantStdout: "notty\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sess := newSession(t, client)
			for k, v := range tt.env {
				if err := sess.Setenv(k, v); err != nil {
					t.Fatalf("Setenv: %v", err)
				}
			}
			var stdout, stderr strings.Builder
			sess.Stdin = strings.NewReader(tt.stdin)
			sess.Stdout, sess.Stderr = &stdout, &stderr
			status, signal := exitOf(t, sess.Run(tt.cmd))
			if tt.wantSignal != "" {
				status = tt.wantStatus // the client makes up 128+n for signals
			}
			if status != tt.wantStatus || signal != tt.wantSignal {
				t.Errorf("exit = (%d, %q), want (%d, %q)", status, signal, tt.wantStatus, tt.wantSignal)
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantStdout)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestExecLargeOutput(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	const size = 4 << 20
	res := run(t, client, "head -c 4194304 /dev/zero; head -c 65536 /dev/zero >&2", "")
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	if len(res.stdout) != size || len(res.stderr) != 65536 {
		t.Errorf("got %d bytes stdout, %d stderr; want %d, 65536", len(res.stdout), len(res.stderr), size)
	}
}

func TestExecLargeStdin(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	in := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	res := run(t, client, "wc -c", in)
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	if got := strings.TrimSpace(res.stdout); got != "1048576" {
		t.Errorf("wc -c = %q, want 1048576", got)
	}
}

func TestSignalRequest(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	for _, sig := range []ssh.Signal{ssh.SIGTERM, ssh.SIGKILL, ssh.SIGINT, ssh.SIGHUP, ssh.SIGUSR1} {
		t.Run(string(sig), func(t *testing.T) {
			t.Parallel()
			sess := newSession(t, client)
			if err := sess.Start("exec sleep 100"); err != nil {
				t.Fatalf("Start: %v", err)
			}
			if err := sess.Signal(sig); err != nil {
				t.Fatalf("Signal: %v", err)
			}
			status, signal := exitOf(t, sess.Wait())
			if signal != string(sig) {
				t.Errorf("exit = (%d, %q), want signal %q", status, signal, sig)
			}
		})
	}
}

func TestSignalRequestReplies(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))

	// Before any command: nothing to signal.
	idle := newSession(t, client)
	if ok, err := idle.SendRequest("signal", true, ssh.Marshal(signalRequest{"TERM"})); err != nil || ok {
		t.Errorf("signal without command = (%v, %v), want (false, nil)", ok, err)
	}

	sess := newSession(t, client)
	if err := sess.Start("exec sleep 100"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	tests := []struct {
		signal string
		want   bool
	}{
		{"BOGUS", false},
		{"WINCH", true}, // ignored by sleep: the command keeps running
		{"TERM", true},
	}
	for _, tt := range tests {
		ok, err := sess.SendRequest("signal", true, ssh.Marshal(signalRequest{tt.signal}))
		if err != nil || ok != tt.want {
			t.Errorf("signal %s = (%v, %v), want (%v, nil)", tt.signal, ok, err, tt.want)
		}
	}
	if _, signal := exitOf(t, sess.Wait()); signal != "TERM" {
		t.Errorf("exit signal = %q, want TERM", signal)
	}
}

func TestShellWithoutPTY(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	var stdout strings.Builder
	sess.Stdin = strings.NewReader("echo from-shell\nexit 4\n")
	sess.Stdout = &stdout
	if err := sess.Shell(); err != nil {
		t.Fatalf("Shell: %v", err)
	}
	if status, _ := exitOf(t, sess.Wait()); status != 4 {
		t.Errorf("exit status = %d, want 4", status)
	}
	if stdout.String() != "from-shell\n" {
		t.Errorf("stdout = %q, want %q", stdout.String(), "from-shell\n")
	}
}

func TestUnsupportedRequests(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))

	sess := newSession(t, client)
	if err := sess.RequestSubsystem("x-unknown-subsystem"); err == nil {
		t.Error("unknown subsystem accepted, want refusal")
	}
	if ok, err := sess.SendRequest("x-unknown@example.com", true, nil); err != nil || ok {
		t.Errorf("unknown request = (%v, %v), want (false, nil)", ok, err)
	}
	if ok, err := sess.SendRequest("window-change", true, ssh.Marshal(windowChangeMsg{Columns: 80, Rows: 24})); err != nil || ok {
		t.Errorf("window-change without pty = (%v, %v), want (false, nil)", ok, err)
	}

	// A second command on the same session is refused.
	if err := sess.Start("exec sleep 100"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if ok, err := sess.SendRequest("exec", true, ssh.Marshal(execRequest{"true"})); err != nil || ok {
		t.Errorf("second exec = (%v, %v), want (false, nil)", ok, err)
	}
	if ok, err := sess.SendRequest("env", true, ssh.Marshal(envRequest{"LATE", "1"})); err != nil || ok {
		t.Errorf("env after exec = (%v, %v), want (false, nil)", ok, err)
	}

	// Only session channels are accepted.
	_, _, err := client.OpenChannel("direct-tcpip", nil)
	var openErr *ssh.OpenChannelError
	if !errors.As(err, &openErr) || openErr.Reason != ssh.UnknownChannelType {
		t.Errorf("direct-tcpip channel: err = %v, want UnknownChannelType", err)
	}
}

func TestExecStartFailure(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Shell: filepath.Join(t.TempDir(), "no-such-shell")})
	client := dial(t, srv)
	sess := newSession(t, client)
	if err := sess.Start("true"); err == nil {
		t.Fatal("exec with a missing shell succeeded, want failure")
	}
	if srv.Sessions() != 1 {
		t.Errorf("Sessions() = %d, want 1", srv.Sessions())
	}
	// The connection stays usable.
	if _, err := client.NewSession(); err != nil {
		t.Errorf("NewSession after failed exec: %v", err)
	}
}

func TestCommandKilledWhenClientLeaves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		leave func(client *ssh.Client, sess *ssh.Session)
	}{
		{"session closed", func(_ *ssh.Client, sess *ssh.Session) { sess.Close() }},
		{"connection closed", func(client *ssh.Client, _ *ssh.Session) { client.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := dial(t, passwordServer(t))
			sess := newSession(t, client)
			pid := startPID(t, sess, "sleep 100")
			if processGone(pid) {
				t.Fatalf("process %d not running", pid)
			}
			tt.leave(client, sess)
			// The server reaps its child: the PID disappears entirely.
			waitFor(t, "command to be killed and reaped", func() bool { return processGone(pid) })
		})
	}
}

func TestLeftoverProcessesKilled(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	// A background process with its output redirected does not hold the
	// session open, and is killed when the command ends.
	res := run(t, client, "sleep 100 >/dev/null 2>&1 & echo $!", "")
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	var pid int
	if _, err := fmt.Sscan(res.stdout, &pid); err != nil {
		t.Fatalf("bad pid %q: %v", res.stdout, err)
	}
	waitFor(t, "background process to be killed", func() bool { return processGone(pid) })
}

func TestManySessionsPerConnection(t *testing.T) {
	t.Parallel()
	srv := passwordServer(t)
	client := dial(t, srv)
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			sess, err := client.NewSession()
			if err != nil {
				errs <- err
				return
			}
			defer sess.Close()
			out, err := sess.Output("echo $((" + strconv.Itoa(i) + " * 2))")
			if err == nil && string(out) != strconv.Itoa(2*i)+"\n" {
				err = fmt.Errorf("session %d: output %q", i, out)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := srv.Sessions(); got != n {
		t.Errorf("Sessions() = %d, want %d", got, n)
	}
}

func TestStdinAfterExitDoesNotHang(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("exit 0"); err != nil {
		t.Fatal(err)
	}
	// The command never reads stdin; the session still ends.
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(stdin, zeroReader{})
		copied <- err
	}()
	if err := sess.Wait(); err != nil {
		t.Errorf("Wait: %v", err)
	}
	sess.Close()
	if err := <-copied; err == nil {
		t.Error("writing stdin to a finished session succeeded forever")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
