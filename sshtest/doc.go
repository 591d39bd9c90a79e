// Package sshtest provides in-process SSH servers for tests: the
// net/http/httptest of SSH.
//
// A [Server] listens on a loopback address, speaks real SSH (via
// golang.org/x/crypto/ssh) and runs the commands it is asked to run as real
// local processes, or in-process with a [Handler], so code that drives
// remote hosts over SSH can be tested end to end without any remote host. A
// [Fleet] starts many servers at once, spread over the 127.0.0.0/8 loopback
// addresses, for testing code that talks to many hosts in parallel. [Faults]
// inject failures and can be changed while a server runs.
//
// Supported session requests are "exec", "shell", "env", "pty-req",
// "window-change", "signal" and "subsystem" for "sftp" only: an SFTP server
// (github.com/pkg/sftp's) on the real file system, with the privileges of
// the test process, relative paths resolved against Config.Dir
// (Config.NoSFTP refuses it). Commands run as `Shell -c CMD` (default
// /bin/sh) in their own process group, which is killed when the client goes
// away or the server is closed. Only "session" channels are accepted.
//
// # Handlers
//
// With Config.Handler set, exec and shell requests call the [Handler]
// instead of forking a shell, as an http.Handler answers for httptest: it
// gets the command, environment, pty request, stdin, stdout, stderr and the
// signals the client sends in an [Exec], and returns the [Exit] to report,
// an exit status or a signal. Its context ends when the client closes the
// channel or the connection goes away. Without a process per command, a
// fleet of thousands of servers is cheap. Ready-made handlers:
//
//   - [Output]: fixed stdout and stderr, binary or invalid UTF-8 included,
//     then an exit status or death by a signal;
//   - [Repeat]: a pattern repeated to any size, for example 100 MiB
//     without a single newline;
//   - [Hang]: some output, then never exit, ignoring signals.
//
// [NewFleetFunc] gives each server of a fleet its own Config, so that each
// host can answer with its own content or fail in its own way.
//
// # Faults
//
// [Faults] make a server fail the way real hosts do. Each fault is
// observable by any SSH client, and its effect on a client is what to test:
//
//	Fault           the server...                                a client sees
//	Refuse          closes each connection at once               connection closed in the handshake
//	NoBanner        accepts TCP and sends nothing                handshake hangs until its timeout
//	GarbageBanner   sends non-SSH text, then EOF                 bad or missing version banner
//	EndlessGarbage  sends non-SSH text forever                   version line overflow, or a hang
//	StallKex        sends its banner, then nothing               handshake hangs until its timeout
//	HugeKexInit     offers N bytes of unknown kex algorithms     no common algorithm, in an error quoting them
//	HandshakeDelay  waits before the handshake                   a slow connection
//	RejectAuth      refuses every credential                     authentication failure
//	AuthDelay       answers each authentication attempt late     a slow login
//	HangExec        never answers exec, shell, subsystem         start of the command hangs
//	ExecDelay       waits before starting each command           a slow start
//	DropAfter       closes the connection mid-stdout             connection lost, no exit status
//	DropSFTPAfter   closes the connection mid-SFTP               transfer fails
//	SFTPDotDotEntry lists an entry "x/..", a directory, once      a careless client writes outside its directory
//	SlowOutput      sends output a byte at a time, with a delay  output trickles in
//	MalformedExit   malformed exit-status, more requests, the    a session that never ends by
//	                channel left open                            itself; a stalled connection
//
// A long network path is a matter of the Config too: Delay adds a one-way
// delay to every byte in both directions (and Bandwidth limits the rate),
// so that a client's time is its round trips, as over a real network.
//
// A command's own misbehaviour is the business of the handler: no newline
// ([Repeat]), binary output ([Output]), death by a signal
// (Output(out, nil, Exit{Signal: "KILL"})), never exiting ([Hang]).
//
// An old or badly configured server is a matter of its Config:
// KeyExchanges, HostKeyAlgorithms, Ciphers and MACs restrict what it
// accepts and offers, for example only SHA-1 host key signatures
// (Config{HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}}), only a SHA-1 key
// exchange, only a 96-bit MAC or only CBC ciphers, which current clients
// (OpenSSH 9, package pssh) refuse.
//
// # Typical use
//
// [Start] and [StartFleet] start servers for a test and close them when it
// ends. Every server accepts its own client key, [Server.ClientKey], beside
// what its Config accepts:
//
//	func TestDeploy(t *testing.T) {
//		srv := sshtest.Start(t, sshtest.Config{Logf: t.Logf})
//
//		client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
//			User:            "deploy",
//			Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientKey().Signer)},
//			HostKeyCallback: srv.HostKeyCallback(),
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		defer client.Close()
//		// ... exercise the code under test against srv.Addr ...
//	}
//
// [Server.ClientConfig] and [Fleet.ClientConfig] configure clients of
// package pssh (the parallel SSH client of this module) for a server or a
// fleet, as httptest.Server.Client does for HTTP.
//
// Servers only ever listen on loopback addresses and the commands they run
// execute with the privileges of the test process: never expose them.
package sshtest
