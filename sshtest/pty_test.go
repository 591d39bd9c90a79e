package sshtest

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestPTYExec(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	tests := []struct {
		name string
		cmd  string
		want string // substring of the output
	}{
		{"stdin is a tty", "test -t 0 && echo tty", "tty"},
		{"stdout is a tty", "test -t 1 && echo out-tty", "out-tty"},
		{"TERM from pty-req", `echo "term=$TERM"`, "term=xterm-256color"},
		{"initial size", "stty size", "24 80"},
		{"stderr merged into stdout", "echo to-stderr >&2", "to-stderr"},
		{"controlling terminal", "exec </dev/null; echo ctty >/dev/tty", "ctty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sess := newSession(t, client)
			if err := sess.RequestPty("xterm-256color", 24, 80, ssh.TerminalModes{}); err != nil {
				t.Fatalf("RequestPty: %v", err)
			}
			var stdout, stderr strings.Builder
			sess.Stdout, sess.Stderr = &stdout, &stderr
			if err := sess.Run(tt.cmd); err != nil {
				t.Fatalf("Run: %v (output %q)", err, stdout.String())
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.want)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing (a pty has one output stream)", stderr.String())
			}
		})
	}
}

func TestPTYExitStatus(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	if err := sess.RequestPty("vt100", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if status, _ := exitOf(t, sess.Run("exit 7")); status != 7 {
		t.Errorf("exit status = %d, want 7", status)
	}
}

func TestWindowChange(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sess.Stdout = &out
	// The command waits for a line, so the size is read only after the
	// resize below has been acknowledged.
	if err := sess.Start("read line; stty size"); err != nil {
		t.Fatal(err)
	}
	ok, err := sess.SendRequest("window-change", true, ssh.Marshal(windowChangeMsg{Columns: 132, Rows: 50}))
	if err != nil || !ok {
		t.Fatalf("window-change = (%v, %v), want (true, nil)", ok, err)
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil {
		t.Fatalf("Wait: %v (output %q)", err, out.String())
	}
	if !strings.Contains(out.String(), "50 132") {
		t.Errorf("output = %q, want stty size 50 132", out.String())
	}
}

func TestInteractiveShellWithPTY(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "test -t 0 && echo TTY$((40+2))\n"); err != nil {
		t.Fatal(err)
	}
	// The terminal echoes the command line; wait for the computed answer.
	sc := bufio.NewScanner(stdout)
	found := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "TTY42") && !strings.Contains(sc.Text(), "echo") {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("shell output never contained TTY42: %v", sc.Err())
	}
	if _, err := io.WriteString(stdin, "exit 5\n"); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stdout)
	if status, _ := exitOf(t, sess.Wait()); status != 5 {
		t.Errorf("exit status = %d, want 5", status)
	}
}

func TestPTYRequestRefusals(t *testing.T) {
	t.Parallel()
	client := dial(t, passwordServer(t))
	sess := newSession(t, client)
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 24, 80, nil); err == nil {
		t.Error("second pty-req accepted, want refusal")
	}
	if ok, err := sess.SendRequest("pty-req", true, []byte("garbage")); err != nil || ok {
		t.Errorf("malformed pty-req = (%v, %v), want (false, nil)", ok, err)
	}
}
