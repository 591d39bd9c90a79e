// Package opensshd starts private, throwaway OpenSSH sshd servers on
// loopback addresses for integration tests, benchmarks and demo programs.
//
// Every server started by [Start] lives in its own temporary directory
// ([Server.Dir]) holding a generated sshd_config, a fresh ed25519 host key,
// a fresh ed25519 client key that may log in as any user, a known_hosts file
// and sshd's log. Nothing under /etc/ssh is read or changed. The only
// system-wide effects are creating sshd's privilege separation directory
// (/run/sshd) when it is missing and the process runs as root, and, through
// [EnsureTestUser], creating the local account [TestUser].
//
// Tests usually call [StartT], which skips (or, under CI=true, fails) the
// test when OpenSSH's server is not installed, and closes the server when
// the test ends:
//
//	s := opensshd.StartT(t, opensshd.Options{})
//	cfg := &ssh.ClientConfig{
//		User:            s.User,
//		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientSigner)},
//		HostKeyCallback: s.HostKeyCallback(),
//	}
//	client, err := ssh.Dial("tcp", s.Addrs[0], cfg)
//
// sshd runs unprivileged too: a non-root process can start a server and log
// in to it as its own user. sshd runs with UsePAM no, so it refuses accounts
// whose password is locked (such as "nobody"); root, the current user of a
// normal login and [TestUser] are fine.
package opensshd
