package opensshd

import (
	"os"
	"testing"
)

// skipOrFail stops the test because something it needs is missing: it
// fails under CI=true, where everything must be installed, and skips
// elsewhere. The message should say how to install what is missing.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Require returns the path of sshd. When OpenSSH's server is not installed
// it fails the test if the environment variable CI is "true" and skips it
// otherwise, saying how to install it (apt-get install -y openssh-server).
func Require(t testing.TB) string {
	t.Helper()
	path, err := SSHDPath()
	if err != nil {
		skipOrFail(t, "%v", err)
	}
	return path
}

// StartT starts a server for the test t, like [Start] after [Require]. It
// fails the test if the server does not start, closes it when the test
// ends, and then logs sshd's log if the test failed.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing sshd: %v", err)
		}
		if t.Failed() {
			t.Logf("sshd log (server %v):\n%s", s.Addrs, s.Log())
		}
	})
	return s
}
