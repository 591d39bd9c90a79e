package pssh_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestConnectAndHandshakeTimeouts: ConnectTimeout is OpenSSH's: it bounds
// the TCP connect and the server's banner only, so a server slower than it
// to authenticate is reached; the key exchange and authentication are
// bounded by HandshakeTimeout. Each timeout says its phase and limit.
func TestConnectAndHandshakeTimeouts(t *testing.T) {
	const limit = 500 * time.Millisecond
	tests := []struct {
		name      string
		faults    sshtest.Faults
		connect   time.Duration
		handshake time.Duration
		phase     pssh.Phase // of the *TimeoutError; 0 for success
	}{
		{"slow authentication within the handshake limit", sshtest.Faults{AuthDelay: 3 * limit}, limit, time.Minute, 0},
		{"no banner", sshtest.Faults{NoBanner: true}, limit, time.Minute, pssh.PhaseConnect},
		{"stalled key exchange", sshtest.Faults{StallKex: true}, time.Minute, limit, pssh.PhaseHandshake},
		{"authentication past the handshake limit", sshtest.Faults{AuthDelay: time.Minute}, time.Minute, limit, pssh.PhaseAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fleet, cfg := testFleet(t, 1, tt.faults)
			cfg.ConnectTimeout, cfg.HandshakeTimeout = tt.connect, tt.handshake
			begin := time.Now()
			_, err := newClient(t, fleet.Addrs(), cfg).Run(ctxT(t), "true", nil)
			took := time.Since(begin)
			if tt.phase == 0 {
				if err != nil {
					t.Fatalf("%v, want success", err)
				}
				if took < 3*limit {
					t.Errorf("done in %v, before the server's delay", took)
				}
				return
			}
			var te *pssh.TimeoutError
			if !errors.As(err, &te) || te.Phase != tt.phase || te.Limit != limit || te.Deadline {
				t.Fatalf("%#v, want a *TimeoutError in phase %v after %v", err, tt.phase, limit)
			}
			if took < limit || took > limit+20*time.Second {
				t.Errorf("failed after %v, want about %v", took, limit)
			}
		})
	}
}

// TestHostTimeoutWhileConnecting: RunOptions.HostTimeout passing while a
// host connects is the run's deadline, with its limit, not ConnectTimeout.
func TestHostTimeoutWhileConnecting(t *testing.T) {
	const limit = 500 * time.Millisecond
	fleet, cfg := testFleet(t, 1, sshtest.Faults{NoBanner: true})
	cfg.ConnectTimeout = time.Minute
	outs, _ := newClient(t, fleet.Addrs(), cfg).Run(ctxT(t), "true", &pssh.RunOptions{HostTimeout: limit, ContinueOnErrors: true})
	var te *pssh.TimeoutError
	if err := outs[0].Err(); !errors.As(err, &te) || !te.Deadline || te.Limit != limit || te.Phase != pssh.PhaseConnect {
		t.Fatalf("%#v, want a *TimeoutError at the host timeout while connecting", err)
	}
}
