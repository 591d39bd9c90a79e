package pssh_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

func TestSignal(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	tests := []struct {
		name   string
		sig    ssh.Signal
		signal string
	}{
		{"TERM", ssh.SIGTERM, "TERM"},
		{"KILL", ssh.SIGKILL, "KILL"},
		{"SIG prefix", "SIGUSR1", "USR1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := c.Run(ctxT(t), "sleep 60", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if err := o.Signal(tt.sig); err != nil {
					t.Fatalf("Signal: %v", err)
				}
			}
			if err := c.Join(ctxT(t), outs, nil); err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if got := o.ExitSignal(); got != tt.signal || o.Err() != nil {
					t.Errorf("%s: exit signal %q err %v, want %q", o.Host, got, o.Err(), tt.signal)
				}
				// After the end: nothing to signal or resize.
				checkRequestError(t, o.Signal(ssh.SIGTERM), o.Host, "signal TERM", pssh.ErrNotRunning)
				checkRequestError(t, o.Resize(100, 40), o.Host, "window-change", pssh.ErrNotRunning)
			}
		})
	}
}

func checkRequestError(t *testing.T, err error, host, request string, want error) {
	t.Helper()
	var re *pssh.RequestError
	if !errors.As(err, &re) || !errors.Is(err, want) || re.Host != host || !strings.HasPrefix(re.Request, request) {
		t.Errorf("err %v, want a *RequestError for %s, %s, wrapping %v", err, host, request, want)
	}
	if err != nil && !strings.HasPrefix(err.Error(), host+": ") {
		t.Errorf("%q does not name the host %s", err, host)
	}
}

func TestResize(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	tests := []struct {
		name          string
		opt           pssh.RunOptions
		width, height int // Resize to this, if not zero
		want          string
	}{
		{"default size", pssh.RunOptions{UsePTY: true}, 0, 0, "24 80"},
		{"given size", pssh.RunOptions{UsePTY: true, Width: 100, Height: 30}, 0, 0, "30 100"},
		{"resized", pssh.RunOptions{UsePTY: true}, 132, 50, "50 132"},
		{"resized twice", pssh.RunOptions{UsePTY: true, Width: 10, Height: 5}, 200, 60, "60 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The command waits for a line, written once Resize returned.
			outs, err := c.Run(ctxT(t), `read x; stty size; echo "$TERM"`, &tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			o := outs[0]
			if tt.width != 0 {
				if tt.name == "resized twice" {
					if err := o.Resize(1, 1); err != nil {
						t.Fatal(err)
					}
				}
				if err := o.Resize(tt.width, tt.height); err != nil {
					t.Fatalf("Resize: %v", err)
				}
			}
			io.WriteString(o.Stdin, "go\n")
			// sshtest ignores terminal modes, so its pty echoes the input.
			got := strings.TrimPrefix(strings.ReplaceAll(joinLines(o.Stdout), "\r", ""), "go\n")
			if want := tt.want + "\nxterm"; got != want {
				t.Errorf("output %q, want %q", got, want)
			}
		})
	}
}

func TestResizeErrors(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "read x", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	checkRequestError(t, o.Resize(100, 40), o.Host, "window-change 100x40", pssh.ErrNoPTY)
	var re *pssh.RequestError
	if err := o.Resize(0, 40); !errors.As(err, &re) {
		t.Errorf("Resize(0, 40): %v, want a *RequestError", err)
	}
	o.Stdin.Close()
	if err := o.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
