package pssh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

func TestRunOutputsInHostOrder(t *testing.T) {
	fleet, cfg := testFleet(t, 5, sshtest.Faults{})
	// The same host twice is two connections and two outputs.
	hosts := append(fleet.Addrs(), fleet.Addrs()[0])
	c := newClient(t, hosts, cfg)
	outs, err := c.Run(ctxT(t), `echo "out $PSSH_X"; echo err >&2; exit 3`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(hosts) {
		t.Fatalf("%d outputs for %d hosts", len(outs), len(hosts))
	}
	for i, o := range outs {
		if o.Host != hosts[i] || o.Index != i {
			t.Errorf("output %d is for %s (#%d), want %s", i, o.Host, o.Index, hosts[i])
		}
		if got := joinLines(o.Stdout); got != "out " {
			t.Errorf("%s stdout %q", o.Host, got)
		}
		if got := joinLines(o.Stderr); got != "err" {
			t.Errorf("%s stderr %q", o.Host, got)
		}
		// Reading both streams to the end makes the exit code available.
		if code, ok := o.ExitCode(); !ok || code != 3 {
			t.Errorf("%s exit code %d, %v; want 3, true", o.Host, code, ok)
		}
		if o.Err() != nil {
			t.Errorf("%s: %v", o.Host, o.Err())
		}
	}
	if got := fleet.Servers[0].Accepted(); got != 2 {
		t.Errorf("first server accepted %d connections, want 2 (one per host entry)", got)
	}
}

func TestExitCodes(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	checkExitCodes(t, newClient(t, fleet.Addrs(), cfg))
}

// checkExitCodes runs commands ending in each way on c's single host and
// checks the exit code, or signal, reported.
func checkExitCodes(t *testing.T, c *pssh.Client) {
	tests := []struct {
		cmd    string
		code   int
		ok     bool
		signal string
	}{
		{"true", 0, true, ""},
		{"exit 7", 7, true, ""},
		{"exit 255", 255, true, ""},
		{"kill -TERM $$", 0, false, "TERM"},
		{"kill -KILL $$", 0, false, "KILL"},
	}
	for _, tt := range tests {
		outs, err := c.Run(ctxT(t), tt.cmd, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Join(ctxT(t), outs, nil); err != nil {
			t.Fatal(err)
		}
		o := outs[0]
		code, ok := o.ExitCode()
		if code != tt.code || ok != tt.ok || o.ExitSignal() != tt.signal || o.Err() != nil {
			t.Errorf("%q: code %d ok %v signal %q err %v; want %d %v %q nil", tt.cmd, code, ok, o.ExitSignal(), o.Err(), tt.code, tt.ok, tt.signal)
		}
	}
}

func TestExitCodeNotAvailableWhileRunning(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "read x; exit 4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := outs[0].ExitCode(); ok {
		t.Fatal("exit code available while the command waits for input")
	}
	io.WriteString(outs[0].Stdin, "go\n")
	if err := outs[0].Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if code, ok := outs[0].ExitCode(); !ok || code != 4 {
		t.Fatalf("exit code %d %v", code, ok)
	}
}

func TestStdin(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "cat; echo done", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		fmt.Fprintf(o.Stdin, "line %d\nsecond\n", i)
		o.Stdin.Close()
	}
	for i, o := range outs {
		want := fmt.Sprintf("line %d\nsecond\ndone", i)
		if got := joinLines(o.Stdout); got != want {
			t.Errorf("%s: %q, want %q", o.Host, got, want)
		}
	}
}

func TestQuotingSurvivesWrapping(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	cmd := "printf '%s|' \"it's\" '$HOME' '`id`'; echo \"two\nlines\""
	want := "it's|$HOME|`id`|two\nlines"
	for _, opt := range []*pssh.RunOptions{nil, {Shell: "bash -c"}, {Shell: "sh -c"}} {
		outs, err := c.Run(ctxT(t), cmd, opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinLines(outs[0].Stdout); got != want {
			t.Errorf("%+v: %q, want %q (sent %q)", opt, got, want, outs[0].Command)
		}
	}
}

func TestHostArgs(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	args := [][]string{{"a", "x y"}, {"b", "it's"}, {"c", "$HOME"}}
	outs, err := c.Run(ctxT(t), "echo %s %q", &pssh.RunOptions{HostArgs: args})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		want := args[i][0] + " " + args[i][1]
		if got := joinLines(o.Stdout); got != want {
			t.Errorf("host %d: %q, want %q (sent %q)", i, got, want, o.Command)
		}
	}

	tests := []struct {
		cmd  string
		args [][]string
	}{
		{"echo %s", [][]string{{"a"}, {"b"}}},                // too few lists
		{"echo %s", [][]string{{"a"}, {"b"}, {"c"}, {"d"}}},  // too many
		{"echo %s %s", [][]string{{"a", "b"}, {"b"}, {"c"}}}, // host 1 short
	}
	for _, tt := range tests {
		outs, err := c.Run(ctxT(t), tt.cmd, &pssh.RunOptions{HostArgs: tt.args})
		var he *pssh.HostArgsError
		if !errors.As(err, &he) || outs != nil {
			t.Errorf("%q %v: err %v, outputs %v; want *HostArgsError and none", tt.cmd, tt.args, err, outs)
		}
	}
	if got := fleet.Servers[0].Sessions(); got != 1 {
		t.Errorf("%d sessions started, want 1: a bad HostArgs must run nothing", got)
	}
}

func TestUsePTY(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "test -t 1 && echo tty; echo err >&2", &pssh.RunOptions{UsePTY: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := joinLines(outs[0].Stdout); got != "tty\nerr" {
		t.Fatalf("pty output %q", got)
	}
}

func TestLargeAndBinaryOutput(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	cfg.OutputMemoryLimit = 64 << 10
	cfg.SpillDir = t.TempDir()
	c := newClient(t, fleet.Addrs(), cfg)
	// 8 MiB without a newline, and all byte values, before anyone reads.
	outs, err := c.Run(ctxT(t), "head -c 8388608 /dev/zero; printf '\\000\\377\\n'", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		data, err := io.ReadAll(o.Stdout)
		if err != nil {
			t.Fatal(err)
		}
		want := append(make([]byte, 8<<20), 0, 0xff, '\n')
		if !bytes.Equal(data, want) {
			t.Errorf("%s: got %d bytes, want %d", o.Host, len(data), len(want))
		}
	}
}

func TestLongLine(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "head -c 300000 /dev/zero | tr '\\0' x; echo; echo end; printf tail", nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := collect(outs[0].Stdout)
	if len(lines) != 3 || len(lines[0]) != 300000 || lines[1] != "end" || lines[2] != "tail" {
		t.Fatalf("got %d lines (first %d bytes)", len(lines), len(lines[0]))
	}
}

func TestReadTimeout(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo first; read x; echo second", &pssh.RunOptions{ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	if got := linesBeforeTimeout(t, o.Stdout); len(got) != 1 || got[0] != "first" {
		t.Fatalf("lines before the timeout: %q", got)
	}
	var te *pssh.TimeoutError
	if !errors.As(o.Stdout.Err(), &te) || te.Host != o.Host || !strings.Contains(te.Error(), o.Host) {
		t.Fatalf("Err after timeout = %v, want a *TimeoutError naming the host", o.Stdout.Err())
	}
	// Nothing is lost: reading again resumes.
	io.WriteString(o.Stdin, "\n")
	if got := collect(o.Stdout); len(got) != 1 || got[0] != "second" || o.Stdout.Err() != nil {
		t.Fatalf("lines after resuming: %q, %v", got, o.Stdout.Err())
	}
}

func TestJoinTimeout(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "%s", &pssh.RunOptions{HostArgs: [][]string{{"echo quick"}, {"read x; echo slow"}, {"echo quick"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		if err := outs[i].Wait(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	err = c.Join(ctxT(t), outs, &pssh.JoinOptions{Timeout: 200 * time.Millisecond})
	var jt *pssh.JoinTimeoutError
	if !errors.As(err, &jt) {
		t.Fatalf("Join = %v, want *JoinTimeoutError", err)
	}
	if len(jt.Unfinished) != 1 || jt.Unfinished[0] != outs[1].Host || len(jt.Finished) != 2 {
		t.Fatalf("finished %v unfinished %v", jt.Finished, jt.Unfinished)
	}
	// The unfinished host stays readable and can still finish.
	outs[1].Stdin.Close()
	if got := joinLines(outs[1].Stdout); got != "slow" {
		t.Fatalf("unfinished host's output %q", got)
	}
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	for i := 0; i < 3; i++ {
		outs, err := c.Run(ctxT(t), "echo hi", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Join(ctxT(t), outs, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range fleet.Servers {
		if s.Accepted() != 1 || s.Sessions() != 3 {
			t.Errorf("%s: %d connections, %d sessions; want 1 and 3", s.Addr, s.Accepted(), s.Sessions())
		}
	}
	// A connection that died is opened again on the next run.
	fleet.Servers[1].DropConnections()
	outs, err := c.Run(ctxT(t), "echo again", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if got := joinLines(o.Stdout); got != "again" {
			t.Errorf("%s: %q %v", o.Host, got, o.Err())
		}
	}
	if got := fleet.Servers[1].Accepted(); got != 2 {
		t.Errorf("dropped server accepted %d connections, want 2", got)
	}
	// Closing the client closes the connections: running commands end.
	outs, err = c.Run(ctxT(t), "sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, o := range outs {
		if err := o.Wait(ctxT(t)); err == nil {
			t.Errorf("%s: no error after Close", o.Host)
		}
	}
}

func TestLastOutput(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	if c.LastOutput() != nil {
		t.Fatal("LastOutput before any run")
	}
	outs, _ := c.Run(ctxT(t), "echo one", nil)
	last := c.LastOutput()
	if len(last) != 2 || last[0] != outs[0] || last[0].Command != "echo one" {
		t.Fatalf("LastOutput = %v", last)
	}
}

func TestHostLogger(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	var log bytes.Buffer
	cfg.HostLogger = &log
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo a; echo b >&2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), outs, &pssh.JoinOptions{ConsumeOutput: true}); err != nil {
		t.Fatal(err)
	}
	h := fleet.Addrs()[0]
	want := map[string]bool{"[" + h + "]\ta": true, "[" + h + " stderr]\tb": true}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !want[lines[0]] || !want[lines[1]] {
		t.Fatalf("host log %q", log.String())
	}
	if code, ok := outs[0].ExitCode(); !ok || code != 0 {
		t.Fatalf("exit code %d %v", code, ok)
	}
}

func TestContextCancelStopsCommands(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	outs, err := c.Run(ctx, "echo started; sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		for line := range o.Stdout.Lines() {
			if line != "started" {
				t.Fatalf("%s: %q", o.Host, line)
			}
			break // the command is running
		}
	}
	cancel()
	for _, o := range outs {
		<-o.Done()
		var se *pssh.SessionError
		if !errors.As(o.Err(), &se) || !errors.Is(o.Err(), context.Canceled) {
			t.Errorf("%s: err %v, want a SessionError wrapping context.Canceled", o.Host, o.Err())
		}
	}
}

func TestHostLogHandler(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	var buf bytes.Buffer
	cfg.HostLogHandler = slog.NewJSONHandler(&buf, nil)
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo out; echo err >&2", nil)
	if err != nil {
		t.Fatal(err)
	}
	collect(outs[0].Stdout)
	collect(outs[0].Stderr)
	var got []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	want := []struct{ msg, stream string }{{"out", "stdout"}, {"err", "stderr"}}
	if len(got) != len(want) {
		t.Fatalf("records %v", got)
	}
	for i, w := range want {
		if got[i]["msg"] != w.msg || got[i]["stream"] != w.stream || got[i]["host"] != outs[0].Host {
			t.Errorf("record %d = %v, want msg %q stream %q host %q", i, got[i], w.msg, w.stream, outs[0].Host)
		}
	}
}

func TestRunOnSomeHosts(t *testing.T) {
	fleet, cfg := testFleet(t, 4, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo %s", &pssh.RunOptions{
		Hosts:    []int{3, 1},
		HostArgs: [][]string{{"h0"}, {"h1"}, {"h2"}, {"h3"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 2 || outs[0].Index != 3 || outs[1].Index != 1 ||
		joinLines(outs[0].Stdout) != "h3" || joinLines(outs[1].Stdout) != "h1" {
		t.Fatalf("outputs %v", outs)
	}
	for i, s := range fleet.Servers {
		want := int64(0)
		if i == 1 || i == 3 {
			want = 1
		}
		if s.Sessions() != want {
			t.Errorf("server %d ran %d commands, want %d", i, s.Sessions(), want)
		}
	}
	for _, bad := range [][]int{{4}, {-1}, {1, 1}} {
		var he *pssh.HostArgsError
		if _, err := c.Run(ctxT(t), "true", &pssh.RunOptions{Hosts: bad}); !errors.As(err, &he) {
			t.Errorf("Hosts %v: err %v, want *HostArgsError", bad, err)
		}
	}
}

func TestTerm(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), `echo "$TERM"`, &pssh.RunOptions{UsePTY: true, Term: "vt100"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(joinLines(outs[0].Stdout)); got != "vt100" {
		t.Errorf("TERM %q, want vt100", got)
	}
}

func TestEnv(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	tests := []struct {
		name string
		opt  pssh.RunOptions
		want string
	}{
		{"none", pssh.RunOptions{}, "|"},
		{"two", pssh.RunOptions{Env: map[string]string{"PSSH_B": "two words", "PSSH_A": "it's $1"}}, "it's $1|two words"},
		{"with pty", pssh.RunOptions{UsePTY: true, Env: map[string]string{"PSSH_A": "a"}}, "a|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := c.Run(ctxT(t), `echo "$PSSH_A|$PSSH_B"`, &tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if got := strings.TrimSpace(joinLines(o.Stdout)); got != tt.want {
					t.Errorf("%s: %q, want %q", o.Host, got, tt.want)
				}
			}
		})
	}
}

// TestCancelWhileStartingSignalsCommand cancels a run while the exec
// request is on its way back: the server has started the command and its
// answer is still in flight. The command must be sent a TERM signal, not
// just have its channel closed: OpenSSH's sshd keeps a command without a
// PTY running when its channel is closed.
func TestCancelWhileStartingSignalsCommand(t *testing.T) {
	key := generateKey(t)
	started := make(chan struct{})
	got := make(chan string, 1)
	srv := startServer(t, "127.0.0.1:0", sshtest.Config{
		AuthorizedKeys: []ssh.PublicKey{key.PublicKey()},
		Delay:          100 * time.Millisecond, // the answer to exec takes that long to arrive
		Handler: func(ctx context.Context, e *sshtest.Exec) sshtest.Exit {
			close(started)
			select {
			case sig := <-e.Signals:
				got <- sig
				return sshtest.Exit{Signal: sig}
			case <-time.After(10 * time.Second):
				got <- "none within 10s"
				return sshtest.Exit{}
			}
		},
	})
	c := newClient(t, []string{srv.Addr}, &pssh.Config{
		IgnoreSSHConfig: true, User: "tester", Key: key.PEM, NoAgent: true, NoDefaultKeys: true,
		HostKeyCallback: anyHostKey(srv), ConnectTimeout: 30 * time.Second,
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	outs, err := c.Run(ctx, "sleep 60", nil)
	if err != nil {
		t.Fatal(err)
	}
	<-outs[0].Done()
	if sig := <-got; sig != "TERM" {
		t.Errorf("the command got signal %q, want TERM", sig)
	}
	if !errors.Is(outs[0].Err(), context.Canceled) {
		t.Errorf("err %v, want one wrapping context.Canceled", outs[0].Err())
	}
}
