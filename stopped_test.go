package pssh_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// hangBound is how long a host stopped by a timeout, a cancelled context or
// Close may take to end, interrupt grace included, on a loaded machine:
// past it, the host is taken to hang.
const hangBound = 20 * time.Second

// TestMalformedExitEnds runs a command on a server that reports its end
// with a malformed exit-status, then more channel requests, and keeps the
// channel open (sshtest's MalformedExit fault): a host timeout, a cancelled
// context and Client.Close must each end the host, its stream reads, Wait
// and Join, with the output received kept.
func TestMalformedExitEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		// stop ends the host, after its first line arrived; nil leaves it to
		// the host timeout.
		stop    func(cancel context.CancelFunc, c *pssh.Client)
		timeout time.Duration
		check   func(t *testing.T, err error)
	}{
		{
			name:    "HostTimeout",
			timeout: time.Second,
			check: func(t *testing.T, err error) {
				var te *pssh.TimeoutError
				if !errors.As(err, &te) {
					t.Errorf("host error %v, want a *TimeoutError", err)
				}
			},
		},
		{
			name: "context cancelled",
			stop: func(cancel context.CancelFunc, _ *pssh.Client) { cancel() },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("host error %v, want one wrapping context.Canceled", err)
				}
			},
		},
		{
			name: "Client.Close",
			stop: func(_ context.CancelFunc, c *pssh.Client) { c.Close() },
			check: func(t *testing.T, err error) {
				if err == nil {
					t.Error("host error nil, want the lost session")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sshtest.Start(t, sshtest.Config{
				Handler: sshtest.Output([]byte("first\nsecond\n"), nil, sshtest.Exit{}),
				Faults:  sshtest.Faults{MalformedExit: true},
			})
			c := newClient(t, []string{srv.Addr}, srv.ClientConfig())
			ctx, cancel := context.WithCancel(ctxT(t))
			defer cancel()
			outs, err := c.Run(ctx, "report", &pssh.RunOptions{HostTimeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			o := outs[0]
			const want = "first\nsecond\n"
			arrived := make(chan struct{})
			read := make(chan string, 1)
			go func() {
				var got []byte
				buf := make([]byte, 64)
				for {
					n, err := o.Stdout.Read(buf)
					got = append(got, buf[:n]...)
					if len(got) == len(want) && n > 0 {
						close(arrived)
					}
					if err != nil {
						read <- string(got)
						return
					}
				}
			}()
			if tc.stop != nil {
				// The output is sent before the malformed exit: once it is
				// here, the server is past it.
				select {
				case <-arrived:
				case <-time.After(hangBound):
					t.Fatalf("no output after %v", hangBound)
				}
				tc.stop(cancel, c)
			}
			select {
			case got := <-read:
				if got != want {
					t.Errorf("stdout %q, want the output sent before the malformed exit", got)
				}
			case <-time.After(hangBound):
				t.Fatalf("reading stdout still blocks %v after the host was stopped", hangBound)
			}
			if err := c.Join(context.Background(), outs, &pssh.JoinOptions{Timeout: hangBound}); err != nil {
				t.Fatalf("Join: %v", err)
			}
			if err := o.Wait(context.Background()); err == nil {
				t.Error("Wait: nil, want the host's error")
			}
			tc.check(t, o.Err())
			t.Logf("host error: %v", o.Err())
		})
	}
}

// TestStoppedHostEndsWithUnreadOutput stops a host whose output is held
// back, with Config.BlockOnFullBuffer, because no one reads it: its host
// timeout must still end Wait and Join within the interrupt's bound, and
// what was received stays readable.
func TestStoppedHostEndsWithUnreadOutput(t *testing.T) {
	const limit = 64 << 10
	srv := sshtest.Start(t, sshtest.Config{Handler: sshtest.Hang(make([]byte, 1<<20))})
	cfg := srv.ClientConfig()
	cfg.BlockOnFullBuffer = true
	cfg.OutputMemoryLimit = limit
	c := newClient(t, []string{srv.Addr}, cfg)
	outs, err := c.Run(ctxT(t), "hang", &pssh.RunOptions{HostTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	ctx, cancel := context.WithTimeout(context.Background(), hangBound)
	defer cancel()
	var te *pssh.TimeoutError
	if err := o.Wait(ctx); !errors.As(err, &te) {
		t.Fatalf("Wait: %v, want the host's *TimeoutError (not the wait's own deadline)", err)
	}
	n, err := readAll(o.Stdout)
	if n < limit || !errors.As(err, &te) {
		t.Errorf("read %d bytes, then %v; want at least the %d bytes held, then the *TimeoutError", n, err, limit)
	}
}
