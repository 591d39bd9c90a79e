// Package sshtest provides in-process SSH servers for tests: the
// net/http/httptest of SSH.
//
// A [Server] listens on a loopback address, speaks real SSH (via
// golang.org/x/crypto/ssh) and runs the commands it is asked to run as real
// local processes, so code that drives remote hosts over SSH can be tested
// end to end without any remote host. A [Fleet] starts many servers at once,
// spread over the 127.0.0.0/8 loopback addresses, for testing code that talks
// to many hosts in parallel. [Faults] inject failures (refused connections,
// hanging handshakes, rejected authentication, hanging or dropped sessions)
// and can be changed while a server runs.
//
// Supported session requests are "exec", "shell", "env", "pty-req",
// "window-change", "signal" and "subsystem" for "sftp" only: an SFTP server
// (github.com/pkg/sftp's) on the real file system, with the privileges of
// the test process, relative paths resolved against Config.Dir
// (Config.NoSFTP refuses it). Commands run as `Shell -c CMD` (default
// /bin/sh) in their own process group, which is killed when the client goes
// away or the server is closed. Only "session" channels are accepted.
//
// Typical use:
//
//	func TestDeploy(t *testing.T) {
//		srv, err := sshtest.NewServer(sshtest.Config{Password: "secret", Logf: t.Logf})
//		if err != nil {
//			t.Fatal(err)
//		}
//		t.Cleanup(func() { srv.Close() })
//
//		client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
//			User:            "deploy",
//			Auth:            []ssh.AuthMethod{ssh.Password("secret")},
//			HostKeyCallback: srv.HostKeyCallback(),
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		defer client.Close()
//		// ... exercise the code under test against srv.Addr ...
//	}
//
// Servers only ever listen on loopback addresses and the commands they run
// execute with the privileges of the test process: never expose them.
package sshtest
