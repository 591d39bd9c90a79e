package pssh_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
	"golang.org/x/crypto/ssh"
)

func TestOpenSSHSignal(t *testing.T) {
	// openSSH logs in as an ordinary user: sshd refuses signals on root's
	// sessions.
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	tests := []struct {
		sig  ssh.Signal
		want string
	}{
		{ssh.SIGTERM, "TERM"},
		{ssh.SIGKILL, "KILL"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			outs, err := c.Run(ctxT(t), "echo started; exec sleep 60", nil)
			if err != nil {
				t.Fatal(err)
			}
			o := outs[0]
			// sshd answers the exec request before its child has made its
			// process group: a signal sent before is refused. Wait for the
			// shell's line (the signal may still reach it before the exec).
			for range o.Stdout.Lines() {
				break
			}
			if err := o.Signal(tt.sig); err != nil {
				t.Fatalf("Signal: %v", err)
			}
			if err := o.Wait(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if got := o.ExitSignal(); got != tt.want {
				code, ok := o.ExitCode()
				t.Fatalf("exit signal %q (code %d %v), want %q", got, code, ok, tt.want)
			}
			var re *pssh.RequestError
			if err := o.Signal(ssh.SIGTERM); !errors.As(err, &re) || !errors.Is(err, pssh.ErrNotRunning) || re.Host != o.Host {
				t.Errorf("Signal after the end: %v, want a *RequestError wrapping ErrNotRunning", err)
			}
		})
	}
}

func TestOpenSSHResize(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	outs, err := c.Run(ctxT(t), `stty size; read x; stty size`, &pssh.RunOptions{UsePTY: true, Width: 100, Height: 30})
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	var first string
	for line := range o.Stdout.Lines() {
		first = line // the size before Resize
		break
	}
	if err := o.Resize(132, 50); err != nil {
		t.Fatalf("Resize: %v", err)
	}
	o.Stdin.Write([]byte("go\n"))
	got := strings.ReplaceAll(first+"\n"+joinLines(o.Stdout), "\r", "")
	if want := "30 100\n50 132"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestOpenSSHEnv(t *testing.T) {
	// opensshd's sshd_config has AcceptEnv PSSH_*.
	s, cfg := openSSH(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	c := newClient(t, s.Addrs, cfg)
	tests := []struct {
		name    string
		opt     pssh.RunOptions
		want    string
		refused string // the variable an *EnvError names
	}{
		{"accepted", pssh.RunOptions{Env: map[string]string{"PSSH_FOO": "foo bar", "PSSH_BAR": "$x'"}}, "foo bar|$x'|", ""},
		{"refused", pssh.RunOptions{Env: map[string]string{"PSSH_FOO": "foo", "NOT_ACCEPTED": "1"}}, "", "NOT_ACCEPTED"},
		{"refused, ignored", pssh.RunOptions{Env: map[string]string{"PSSH_FOO": "foo", "NOT_ACCEPTED": "1"}, IgnoreRefusedEnv: true}, "foo||", ""},
		{"refused, continue", pssh.RunOptions{Env: map[string]string{"NOT_ACCEPTED": "1"}, ContinueOnErrors: true}, "", "NOT_ACCEPTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := c.Run(ctxT(t), `echo "$PSSH_FOO|$PSSH_BAR|$NOT_ACCEPTED"`, &tt.opt)
			if tt.refused == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outs {
					if got := joinLines(o.Stdout); got != tt.want {
						t.Errorf("%s: %q, want %q", o.Host, got, tt.want)
					}
				}
				return
			}
			var ee *pssh.EnvError
			if !tt.opt.ContinueOnErrors && (!errors.As(err, &ee) || ee.Name != tt.refused || ee.Host != s.Addrs[0]) {
				t.Errorf("Run: %v, want the first host's *EnvError for %s", err, tt.refused)
			}
			for _, o := range outs {
				if !errors.As(o.Err(), &ee) || ee.Name != tt.refused || ee.Host != o.Host {
					t.Errorf("%s: err %v, want an *EnvError for %s", o.Host, o.Err(), tt.refused)
					continue
				}
				if msg := o.Err().Error(); !strings.Contains(msg, o.Host) || !strings.Contains(msg, tt.refused) || !strings.Contains(msg, "AcceptEnv") {
					t.Errorf("message %q", msg)
				}
				if _, ok := o.ExitCode(); ok || o.Stdin != nil {
					t.Errorf("%s: the command ran", o.Host)
				}
			}
		})
	}
}

func TestOpenSSHSignalRefusedForRoot(t *testing.T) {
	// sshd refuses signals on root's sessions: Signal says so.
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs as root: root login tests must run")
		}
		t.Skip("needs a root login")
	}
	s, cfg := openSSH(t, opensshd.Options{})
	cfg.User = "root"
	c := newClient(t, s.Addrs, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outs, err := c.Run(ctx, "echo started; exec sleep 30", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	for range o.Stdout.Lines() {
		break // root's shell has started
	}
	var re *pssh.RequestError
	if err := o.Signal(ssh.SIGTERM); !errors.As(err, &re) || !errors.Is(err, pssh.ErrRequestRefused) || re.Host != o.Host {
		t.Errorf("Signal on a root session: %v, want a *RequestError wrapping ErrRequestRefused", err)
	}
	cancel()
	<-o.Done()
}
