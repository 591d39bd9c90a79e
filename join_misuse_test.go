package pssh_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestJoinMisuse: lists holding nil, or outputs and shells the client did
// not make, get an error wrapping ErrInvalidOutput, never a panic; and
// Completed yields only the real outputs.
func TestJoinMisuse(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{Handler: sshtest.Output([]byte("ok\n"), nil, sshtest.Exit{})})
	c := newClient(t, []string{srv.Addr}, srv.ClientConfig())
	outs, err := c.Run(ctxT(t), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := outs[0]
	shells, err := c.OpenShell(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	shells[0].Close()
	sh := shells[0]
	tests := []struct {
		name string
		call func() error
		want string // in the error
	}{
		{"Join nil", func() error { return c.Join(ctxT(t), []*pssh.HostOutput{out, nil}, nil) }, "outputs[1] is nil"},
		{"Join nil, ConsumeOutput", func() error {
			return c.Join(ctxT(t), []*pssh.HostOutput{nil, out}, &pssh.JoinOptions{ConsumeOutput: true})
		}, "outputs[0] is nil"},
		{"Join zero HostOutput", func() error { return c.Join(ctxT(t), []*pssh.HostOutput{{Host: "made-up"}}, nil) }, `"made-up"`},
		{"JoinShells nil", func() error { return c.JoinShells(ctxT(t), []*pssh.Shell{sh, nil}, nil) }, "shells[1] is nil"},
		{"JoinShells zero Shell", func() error { return c.JoinShells(ctxT(t), []*pssh.Shell{{}}, nil) }, "shells[0]"},
		{"RunShellCommands nil", func() error { return c.RunShellCommands(ctxT(t), []*pssh.Shell{nil}, "true") }, "shells[0] is nil"},
		{"RunShellCommands zero Shell", func() error { return c.RunShellCommands(ctxT(t), []*pssh.Shell{{}}, "true") }, "shells[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				err = tt.call()
			}()
			if !errors.Is(err, pssh.ErrInvalidOutput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one wrapping ErrInvalidOutput and saying %q", err, tt.want)
			}
		})
	}

	var got []int
	for i, o := range pssh.Completed(ctxT(t), []*pssh.HostOutput{nil, out, {}, nil}) {
		if o != out {
			t.Errorf("Completed yielded %d: %v, want the real output only", i, o)
		}
		got = append(got, i)
	}
	if len(got) != 1 || got[0] != 1 {
		t.Errorf("Completed yielded indices %v, want [1]", got)
	}
	// The valid lists still work.
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Errorf("Join: %v", err)
	}
	if err := c.JoinShells(ctxT(t), shells, nil); err != nil {
		t.Errorf("JoinShells: %v", err)
	}
}
