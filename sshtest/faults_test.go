package sshtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestFaultRefuse(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{Refuse: true}})
	cfg := clientConfig(srv, "u", ssh.Password(testPassword))
	if client, err := ssh.Dial("tcp", srv.Addr, cfg); err == nil {
		client.Close()
		t.Fatal("dial succeeded, want failure with Refuse")
	}
	if got := srv.Accepted(); got != 1 {
		t.Errorf("Accepted() = %d, want 1", got)
	}
	// Lifting the fault at run time lets clients in again.
	srv.SetFaults(Faults{})
	client, err := ssh.Dial("tcp", srv.Addr, cfg)
	if err != nil {
		t.Fatalf("dial after SetFaults(Faults{}): %v", err)
	}
	client.Close()
	if got := srv.Accepted(); got != 2 {
		t.Errorf("Accepted() = %d, want 2", got)
	}
}

func TestFaultNoBanner(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{NoBanner: true}})
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	_, _, _, err = ssh.NewClientConn(conn, srv.Addr, clientConfig(srv, "u", ssh.Password(testPassword)))
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("handshake err = %v, want a timeout", err)
	}

	// A silent connection still held open does not delay Close.
	held, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	waitFor(t, "second connection to be accepted", func() bool { return srv.Accepted() == 2 })
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked by a NoBanner connection")
	}
	// The server hung up: the held connection reads EOF without any banner.
	held.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := held.Read(make([]byte, 64)); n != 0 || err != io.EOF {
		t.Errorf("read on held connection after Close = (%d, %v), want (0, EOF)", n, err)
	}
}

func TestFaultHandshakeDelay(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{HandshakeDelay: delay}})
	start := time.Now()
	client := dial(t, srv)
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("handshake took %v, want at least %v", elapsed, delay)
	}
	if res := run(t, client, "echo ok", ""); res.stdout != "ok\n" {
		t.Errorf("Run after delayed handshake = (%q, %v)", res.stdout, res.err)
	}
}

func TestFaultHangExec(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{HangExec: true}})
	client := dial(t, srv)
	sess := newSession(t, client)
	started := make(chan error, 1)
	go func() { started <- sess.Start("echo never") }()
	select {
	case err := <-started:
		t.Fatalf("exec request answered (err = %v), want no reply", err)
	case <-time.After(300 * time.Millisecond):
	}
	if got := srv.Sessions(); got != 1 {
		t.Errorf("Sessions() = %d, want 1", got)
	}
	// Giving up on the connection releases the waiting client.
	client.Close()
	select {
	case err := <-started:
		if err == nil {
			t.Error("Start succeeded after the connection was closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start still blocked after closing the client")
	}
}

func TestFaultExecDelay(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{ExecDelay: delay}})
	client := dial(t, srv)
	start := time.Now()
	res := run(t, client, "echo late", "")
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("command took %v, want at least %v", elapsed, delay)
	}
	if res.err != nil || res.stdout != "late\n" {
		t.Errorf("Run = (%q, %v), want (%q, nil)", res.stdout, res.err, "late\n")
	}
}

func TestFaultDropAfter(t *testing.T) {
	t.Parallel()
	const (
		dropAfter = 10000
		total     = 1 << 20
		maxPacket = 1 << 15 // x/crypto's largest channel data packet
	)
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{DropAfter: dropAfter}})
	client := dial(t, srv)
	sess := newSession(t, client)
	stdout := startStdout(t, sess, "head -c 1048576 /dev/zero")
	n, _ := io.Copy(io.Discard, stdout)
	if n > dropAfter+maxPacket || n >= total {
		t.Errorf("read %d bytes, want at most %d", n, dropAfter+maxPacket)
	}
	err := sess.Wait()
	var missing *ssh.ExitMissingError
	if err == nil || errors.As(err, new(*ssh.ExitError)) {
		t.Errorf("Wait = %v, want a connection error", err)
	} else if !errors.As(err, &missing) {
		t.Logf("Wait error (not ExitMissingError): %v", err)
	}
	// The whole connection is gone, not just the session.
	if _, err := client.NewSession(); err == nil {
		t.Error("NewSession succeeded on a dropped connection")
	}
}

func TestDropConnections(t *testing.T) {
	t.Parallel()
	srv := passwordServer(t)
	client := dial(t, srv)
	if res := run(t, client, "echo before", ""); res.stdout != "before\n" {
		t.Fatalf("Run before drop = (%q, %v)", res.stdout, res.err)
	}
	running := newSession(t, client)
	pid := startPID(t, running, "sleep 100")

	srv.DropConnections()

	if err := running.Wait(); err == nil {
		t.Error("running session ended cleanly, want an error")
	}
	if _, err := client.NewSession(); err == nil {
		t.Error("NewSession succeeded on a dropped connection")
	}
	waitFor(t, "command of dropped connection to be killed", func() bool { return processGone(pid) })

	// The server still accepts new connections.
	fresh := dial(t, srv)
	if res := run(t, fresh, "echo after", ""); res.stdout != "after\n" {
		t.Errorf("Run after drop = (%q, %v)", res.stdout, res.err)
	}
	if got := srv.Accepted(); got != 2 {
		t.Errorf("Accepted() = %d, want 2", got)
	}
}

// TestBannerFaults checks what a raw TCP client reads from the faults that
// break the version exchange, and how an x/crypto/ssh client fails on them.
func TestBannerFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults Faults
		// check gets everything read within the deadline and the read's
		// final error.
		check func(t *testing.T, got []byte, readErr error)
		// sshErr checks the handshake error of an x/crypto/ssh client.
		sshErr func(err error) bool
	}{
		{
			name:   "GarbageBanner",
			faults: Faults{GarbageBanner: true},
			check: func(t *testing.T, got []byte, readErr error) {
				if string(got) != garbageBanner || readErr != io.EOF {
					t.Errorf("read %q then %v, want %q then EOF", got, readErr, garbageBanner)
				}
			},
			sshErr: func(err error) bool { return errors.Is(err, io.EOF) },
		},
		{
			name:   "EndlessGarbage",
			faults: Faults{EndlessGarbage: true},
			check: func(t *testing.T, got []byte, readErr error) {
				if len(got) < 1<<16 || bytes.Contains(got, []byte("SSH-")) || bytes.ContainsAny(got, "\r\n") {
					t.Errorf("read %d bytes (SSH- in them: %v) then %v; want an endless line without a banner",
						len(got), bytes.Contains(got, []byte("SSH-")), readErr)
				}
			},
			sshErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "version string") },
		},
		{
			name:   "StallKex",
			faults: Faults{StallKex: true},
			check: func(t *testing.T, got []byte, readErr error) {
				var ne net.Error
				if string(got) != serverVersion+"\r\n" || !errors.As(readErr, &ne) || !ne.Timeout() {
					t.Errorf("read %q then %v, want the banner, then nothing", got, readErr)
				}
			},
			sshErr: func(err error) bool {
				var ne net.Error
				return errors.As(err, &ne) && ne.Timeout()
			},
		},
		{
			name:   "HugeKexInit",
			faults: Faults{HugeKexInit: 40 << 10},
			check: func(t *testing.T, got []byte, readErr error) {
				banner := serverVersion + "\r\n"
				var ne net.Error
				if !bytes.HasPrefix(got, []byte(banner)) || !errors.As(readErr, &ne) || !ne.Timeout() {
					t.Fatalf("read %.40q... then %v, want the banner, a packet, then nothing", got, readErr)
				}
				packet := got[len(banner):]
				n := int(binary.BigEndian.Uint32(packet))
				kexLen := int(binary.BigEndian.Uint32(packet[22:]))
				if len(packet) != 4+n || (4+n)%8 != 0 || packet[5] != 20 || kexLen < 40<<10 || kexLen > 41<<10 {
					t.Errorf("packet of %d bytes, length field %d, message %d, kex list %d bytes", len(packet), n, packet[5], kexLen)
				}
			},
			sshErr: func(err error) bool {
				var ne *ssh.AlgorithmNegotiationError
				return errors.As(err, &ne) && ne.What == "key exchange" && len(ne.RequestedAlgorithms) > 1000
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{Password: testPassword, Faults: tt.faults})

			conn, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "SSH-2.0-rawclient\r\n")
			conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			var got []byte
			buf := make([]byte, 4096)
			var readErr error
			for len(got) < 1<<16 {
				n, err := conn.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					readErr = err
					break
				}
			}
			tt.check(t, got, readErr)

			conn2, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn2.Close()
			conn2.SetDeadline(time.Now().Add(300 * time.Millisecond))
			_, _, _, err = ssh.NewClientConn(conn2, srv.Addr, clientConfig(srv, "u", ssh.Password(testPassword)))
			if !tt.sshErr(err) {
				t.Errorf("x/crypto/ssh handshake error: %v", err)
			}
		})
	}
}

// TestFaultMalformedExit reads, on a raw session channel, what a command
// run by Config.Shell and by a Handler sends under MalformedExit: its
// output, an exit-status too short to hold a status, MalformedExitRequests
// further requests, and then the channel stays open until the client
// closes it.
func TestFaultMalformedExit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler Handler
	}{
		{"shell", nil},
		{"handler", Output([]byte("hello\n"), nil, Exit{Code: 3})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{Password: testPassword, Handler: tc.handler, Faults: Faults{MalformedExit: true}})
			client := dial(t, srv)
			ch, reqs, err := client.OpenChannel("session", nil)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := ch.SendRequest("exec", true, ssh.Marshal(execRequest{"echo hello; exit 3"})); !ok || err != nil {
				t.Fatalf("exec: %v %v", ok, err)
			}
			readString(t, ch, "hello\n")
			first := <-reqs
			if first.Type != "exit-status" || len(first.Payload) >= 4 {
				t.Fatalf("first request %q with %d bytes, want a malformed exit-status", first.Type, len(first.Payload))
			}
			for i := range MalformedExitRequests {
				if req, ok := <-reqs; !ok {
					t.Fatalf("channel closed after %d of the %d requests", i, MalformedExitRequests)
				} else if req.WantReply {
					req.Reply(false, nil)
				}
			}
			// The channel is still open: a request gets its answer.
			if _, err := ch.SendRequest("keepalive@openssh.com", true, nil); err != nil {
				t.Fatalf("request after the malformed exit: %v, want an answer on the open channel", err)
			}
			ch.Close()
			for range reqs {
				t.Error("a request after the client closed the channel")
			}
		})
	}
}

// TestFaultAuthDelay: the server answers authentication AuthDelay late,
// once the key exchange is done, by password and by key alike.
func TestFaultAuthDelay(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{AuthDelay: delay}})
	for _, auth := range []ssh.AuthMethod{ssh.Password(testPassword), ssh.PublicKeys(srv.ClientKey().Signer)} {
		cfg := clientConfig(srv, "u", auth)
		var kexDone time.Time
		check := cfg.HostKeyCallback
		cfg.HostKeyCallback = func(h string, a net.Addr, k ssh.PublicKey) error {
			kexDone = time.Now()
			return check(h, a, k)
		}
		client, err := ssh.Dial("tcp", srv.Addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		client.Close()
		if took := time.Since(kexDone); took < delay {
			t.Errorf("authentication took %v after the key exchange, want at least %v", took, delay)
		}
	}
}
