package opensshd

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"testing"

	"github.com/gopssh/pssh/internal/childenv"
)

// TestUser is a local account for password-authentication tests, created by
// [EnsureTestUser].
const TestUser = "pssh-test"

// TestPassword is TestUser's password. It is a test-only credential, public
// in this source code: never give it to an account on a machine that is
// reachable from elsewhere.
const TestPassword = "pssh-test-Pa55"

// testUserShell is TestUser's login shell.
const testUserShell = "/bin/sh"

// chpasswdAttempts bounds the retries of chpasswd, which fails when another
// process (another test binary) holds the password database lock too long.
const chpasswdAttempts = 3

// EnsureTestUser makes sure the local account TestUser exists, with password
// TestPassword and login shell /bin/sh, and returns its name and password.
//
// Running as root, it creates the account when missing (useradd, without a
// home directory) and sets its password and shell every time, so it is
// idempotent and safe to call from concurrent test processes. Not running as
// root, it can only trust an existing account to have TestPassword; when the
// account is missing it fails the test under CI=true and skips it otherwise.
func EnsureTestUser(t testing.TB) (user, password string) {
	t.Helper()
	if os.Geteuid() != 0 && !userExists(TestUser) {
		skipOrFail(t, "user %s is missing and this is not root; as root run: useradd -m -d %s -s %s %s && echo '%s:%s' | chpasswd",
			TestUser, testUserHome, testUserShell, TestUser, TestUser, TestPassword)
	}
	if err := PrepareTestUser(); err != nil {
		t.Fatal(err)
	}
	return TestUser, TestPassword
}

// PrepareTestUser is [EnsureTestUser] for programs (benchmarks, demos)
// rather than tests: running as root, it creates the account TestUser when
// missing and sets its password, its login shell /bin/sh and its home
// directory, every time. Not running as root, it returns nil when the
// account exists (trusting it to have TestPassword) and otherwise an error
// saying how to create it.
func PrepareTestUser() error {
	exists := userExists(TestUser)
	if os.Geteuid() != 0 {
		if !exists {
			return fmt.Errorf("opensshd: user %s is missing and this is not root; as root run: useradd -m -d %s -s %s %s && echo '%s:%s' | chpasswd",
				TestUser, testUserHome, testUserShell, TestUser, TestUser, TestPassword)
		}
		return nil
	}
	if !exists {
		out, err := runTool("useradd", "", "-M", "-d", testUserHome, "-s", testUserShell, "-c", "pssh test user", TestUser)
		// A concurrent test process may have created it first.
		if err != nil && !userExists(TestUser) {
			return fmt.Errorf("opensshd: creating user %s: %v\n%s", TestUser, err, out)
		}
	}
	if shell := loginShell(TestUser); shell != testUserShell {
		if out, err := runTool("usermod", "", "-s", testUserShell, TestUser); err != nil {
			return fmt.Errorf("opensshd: setting the shell of %s: %v\n%s", TestUser, err, out)
		}
	}
	if err := ensureHome(); err != nil {
		return err
	}
	var out string
	var err error
	for range chpasswdAttempts {
		out, err = runTool("chpasswd", TestUser+":"+TestPassword+"\n")
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("opensshd: setting the password of %s: %v\n%s", TestUser, err, out)
}

// testUserHome is TestUser's home directory: sshd complains on stderr of
// every command when the home directory is missing.
const testUserHome = "/var/lib/pssh-test"

// ensureHome gives TestUser the home directory testUserHome, owned by it.
func ensureHome() error {
	u, err := user.Lookup(TestUser)
	if err != nil {
		return fmt.Errorf("opensshd: looking up %s: %w", TestUser, err)
	}
	if u.HomeDir != testUserHome {
		if out, err := runTool("usermod", "", "-d", testUserHome, TestUser); err != nil {
			return fmt.Errorf("opensshd: setting the home of %s: %v\n%s", TestUser, err, out)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.MkdirAll(testUserHome, 0o755); err != nil {
		return fmt.Errorf("opensshd: creating %s: %w", testUserHome, err)
	}
	if err := os.Chown(testUserHome, uid, gid); err != nil {
		return fmt.Errorf("opensshd: %w", err)
	}
	return nil
}

// userExists reports whether the local account name exists.
func userExists(name string) bool {
	_, err := user.Lookup(name)
	return err == nil
}

// loginShell returns the login shell of the local account name, or "" when
// it cannot be told.
func loginShell(name string) string {
	out, err := runTool("getent", "", "passwd", name)
	if err != nil {
		return ""
	}
	fields := strings.Split(strings.TrimSpace(out), ":")
	if len(fields) < 7 {
		return ""
	}
	return fields[6]
}

// runTool runs a system tool (looked up in PATH and the sbin directories)
// with stdin as its input and returns its combined output.
func runTool(name, stdin string, args ...string) (string, error) {
	path, err := findTool(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	cmd := childenv.Command(path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
