package pssh_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestHostErrorsAreTyped(t *testing.T) {
	good, cfg := testFleet(t, 1, sshtest.Faults{})
	reject, _ := testFleet(t, 1, sshtest.Faults{RejectAuth: true})
	silent, _ := testFleet(t, 1, sshtest.Faults{NoBanner: true})
	hang, _ := testFleet(t, 1, sshtest.Faults{HangExec: true})
	tests := []struct {
		name  string
		host  string
		check func(error) bool
		text  string // the error text must contain this
		kind  pssh.FailureKind
		phase pssh.Phase // of a *TimeoutError
		once  bool       // the text names the host once
	}{
		{"refused", closedPort(t), func(err error) bool { var e *pssh.ConnectionError; return errors.As(err, &e) }, "connection refused", pssh.FailureConnection, 0, true},
		{"unknown host", "no-such-host.invalid", func(err error) bool { var e *pssh.UnknownHostError; return errors.As(err, &e) }, "unknown host", pssh.FailureUnknownHost, 0, true},
		// The login, user@host:port, is the subject of an authentication error.
		{"auth", reject.Addrs()[0], func(err error) bool { var e *pssh.AuthenticationError; return errors.As(err, &e) }, "tester@", pssh.FailureAuthentication, 0, false},
		{"no banner", silent.Addrs()[0], func(err error) bool { var e *pssh.TimeoutError; return errors.As(err, &e) }, "timed out", pssh.FailureTimeout, pssh.PhaseConnect, true},
		{"exec never answered", hang.Addrs()[0], func(err error) bool { var e *pssh.TimeoutError; return errors.As(err, &e) }, "start command", pssh.FailureTimeout, pssh.PhaseSession, true},
	}
	cfg.ConnectTimeout = 2 * time.Second // long enough for a loaded CI machine to log in
	cfg.Password = "sesame"              // each fleet authorizes its own key, and this password
	cfg.HostKeyCallback = nil
	// Each fleet has its own host key: trust them all by address.
	known := strings.Join([]string{string(good.KnownHosts()), string(reject.KnownHosts()), string(silent.KnownHosts()), string(hang.KnownHosts())}, "")
	cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", known)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts := []string{good.Addrs()[0], tt.host}
			c := newClient(t, hosts, cfg)
			// Stop on errors (the default): Run returns the failed host's error,
			// and every host's output.
			outs, err := c.Run(ctxT(t), "echo ok", nil)
			if !tt.check(err) {
				t.Fatalf("Run error %T %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.host) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not name the host %s and say %q", err, tt.host, tt.text)
			}
			if n := strings.Count(err.Error(), tt.host); tt.once && n != 1 {
				t.Errorf("error %q names the host %d times, want once", err, n)
			}
			if k := pssh.Classify(err); k != tt.kind {
				t.Errorf("Classify = %v, want %v", k, tt.kind)
			}
			var te *pssh.TimeoutError
			if errors.As(err, &te) && (te.Phase != tt.phase || te.Deadline) {
				t.Errorf("timeout in phase %v (deadline %t), want phase %v, not the deadline", te.Phase, te.Deadline, tt.phase)
			}
			if len(outs) != 2 || joinLines(outs[0].Stdout) != "ok" || !tt.check(outs[1].Err()) {
				t.Fatalf("outputs %v", outs)
			}
			if _, ok := outs[1].ExitCode(); ok {
				t.Error("failed host has an exit code")
			}
			if outs[0].Failure() != pssh.NoFailure || outs[1].Failure() != tt.kind {
				t.Errorf("Failure() = %v, %v; want %v, %v", outs[0].Failure(), outs[1].Failure(), pssh.NoFailure, tt.kind)
			}
			// Continue on errors: no error from Run; the host carries it.
			outs, err = c.Run(ctxT(t), "echo ok", &pssh.RunOptions{ContinueOnErrors: true})
			if err != nil {
				t.Fatalf("Run with ContinueOnErrors: %v", err)
			}
			if joinLines(outs[0].Stdout) != "ok" || !tt.check(outs[1].Err()) {
				t.Fatalf("second run: %v / %v", outs[0].Err(), outs[1].Err())
			}
		})
	}
}

func TestHostKeyMismatch(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	other, _ := testFleet(t, 1, sshtest.Faults{})
	// known_hosts says the host has the other fleet's key.
	line := strings.Replace(string(other.KnownHosts()), other.Addrs()[0][strings.LastIndex(other.Addrs()[0], ":")+1:], fleet.Addrs()[0][strings.LastIndex(fleet.Addrs()[0], ":")+1:], 1)
	cfg.HostKeyCallback = nil
	cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", line)}
	c := newClient(t, fleet.Addrs(), cfg)
	_, err := c.Run(ctxT(t), "true", nil)
	var hk *pssh.HostKeyError
	if !errors.As(err, &hk) || !strings.Contains(err.Error(), fleet.Addrs()[0]) {
		t.Fatalf("err = %v, want *HostKeyError naming the host", err)
	}
	if fleet.Servers[0].Sessions() != 0 {
		t.Fatal("a command ran on a host whose key did not match")
	}
}

func TestUnknownHostKeyRefused(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	cfg.HostKeyCallback = nil
	cfg.KnownHostsFiles = []string{writeFile(t, "known_hosts", "")}
	c := newClient(t, fleet.Addrs(), cfg)
	_, err := c.Run(ctxT(t), "true", nil)
	var hk *pssh.HostKeyError
	if !errors.As(err, &hk) {
		t.Fatalf("err = %v, want *HostKeyError", err)
	}
}

func TestConnectionLostMidOutput(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	fleet.Servers[1].SetFaults(sshtest.Faults{DropAfter: 100000})
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "head -c 1000000 /dev/zero", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(ctxT(t), outs, nil); err != nil {
		t.Fatal(err)
	}
	if outs[0].Err() != nil {
		t.Fatalf("good host: %v", outs[0].Err())
	}
	var se *pssh.SessionError
	if !errors.As(outs[1].Err(), &se) || !errors.Is(outs[1].Err(), pssh.ErrConnectionLost) {
		t.Fatalf("dropped host: %v, want SessionError wrapping ErrConnectionLost", outs[1].Err())
	}
	if _, ok := outs[1].ExitCode(); ok {
		t.Fatal("dropped host has an exit code")
	}
	// What arrived before the drop is readable, then the error.
	n, err := readAll(outs[1].Stdout)
	if n == 0 || n >= 1000000 || !errors.Is(err, pssh.ErrConnectionLost) {
		t.Fatalf("read %d bytes then %v", n, err)
	}
}

func TestPasswordAuth(t *testing.T) {
	fleet, cfg := testFleet(t, 1, sshtest.Faults{})
	cfg.Key = nil
	cfg.Password = "sesame"
	c := newClient(t, fleet.Addrs(), cfg)
	outs, err := c.Run(ctxT(t), "echo in", nil)
	if err != nil || joinLines(outs[0].Stdout) != "in" {
		t.Fatalf("password auth: %v", err)
	}
	cfg.Password = "wrong"
	c = newClient(t, fleet.Addrs(), cfg)
	_, err = c.Run(ctxT(t), "echo in", nil)
	var ae *pssh.AuthenticationError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v (must say what was tried, never the password)", err)
	}
}

func TestRetriesRefusedConnections(t *testing.T) {
	_, cfg := testFleet(t, 1, sshtest.Faults{})
	addr := closedPort(t)
	cfg.Retries = 2
	cfg.RetryDelay = time.Millisecond
	c := newClient(t, []string{addr}, cfg)
	_, err := c.Run(ctxT(t), "true", nil)
	var ce *pssh.ConnectionError
	if !errors.As(err, &ce) || ce.Attempts != 3 {
		t.Fatalf("err = %v, want ConnectionError after 3 attempts", err)
	}
}
