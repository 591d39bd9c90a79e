package sshtest

import (
	"testing"
	"time"
)

// TestDelay checks that Config.Delay makes every exchange take its round
// trips: a session on an open connection (channel open, then exec) takes
// at least two, and not much more.
func TestDelay(t *testing.T) {
	for _, delay := range []time.Duration{0, 25 * time.Millisecond, 50 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			srv := startServer(t, Config{
				Password: testPassword,
				Delay:    delay,
				Handler:  Output([]byte("hi\n"), nil, Exit{}),
			})
			if got := srv.RTT(); got != 2*delay {
				t.Fatalf("RTT() = %v, want %v", got, 2*delay)
			}
			start := time.Now()
			client := dial(t, srv)
			if d, least := time.Since(start), 2*srv.RTT(); d < least {
				t.Errorf("handshake and authentication took %v, less than two round trips (%v)", d, least)
			}
			for range 3 {
				start := time.Now()
				res := run(t, client, "anything", "")
				d := time.Since(start)
				if res.err != nil || res.stdout != "hi\n" {
					t.Fatalf("session: %q, %v", res.stdout, res.err)
				}
				want := 2 * srv.RTT()
				if d < want || d > want+time.Second {
					t.Errorf("a session took %v, want two round trips, %v (at most 1s more)", d, want)
				}
				t.Logf("session %v at RTT %v", d, srv.RTT())
			}
		})
	}
}

// TestDelayBothWays checks that the delay applies to what the client sends
// as well as to what it receives: a request with a reply costs a round
// trip.
func TestDelayBothWays(t *testing.T) {
	const delay = 40 * time.Millisecond
	srv := startServer(t, Config{Password: testPassword, Delay: delay})
	client := dial(t, srv)
	start := time.Now()
	// sshtest answers global requests (keepalives) with a failure.
	ok, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
	if err != nil || ok {
		t.Fatalf("keepalive: %v, %v", ok, err)
	}
	if d := time.Since(start); d < 2*delay || d > 2*delay+time.Second {
		t.Errorf("a global request with a reply took %v, want one round trip, %v", d, 2*delay)
	}
}
