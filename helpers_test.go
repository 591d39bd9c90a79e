package pssh_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

// testFleet starts n in-process servers accepting key, and returns them with
// a client config that logs in with that key.
func testFleet(t testing.TB, n int, faults sshtest.Faults) (*sshtest.Fleet, *pssh.Config) {
	t.Helper()
	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sshtest.NewFleet(n, sshtest.Config{
		AuthorizedKeys: []ssh.PublicKey{key.PublicKey()},
		Password:       "sesame",
		Faults:         faults,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	return fleet, &pssh.Config{
		IgnoreSSHConfig: true,
		User:            "tester",
		Key:             key.PEM,
		NoAgent:         true,
		NoDefaultKeys:   true,
		HostKeyCallback: fleet.HostKeyCallback(),
		ConnectTimeout:  30 * time.Second, // a hang detector: 200 hosts log in slowly on a loaded 2-core CI machine
	}
}

// newClient returns a client closed at the end of the test.
func newClient(t testing.TB, hosts []string, cfg *pssh.Config) *pssh.Client {
	t.Helper()
	c, err := pssh.New(hosts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// collect reads a stream's lines to the end.
func collect(s *pssh.Stream) []string {
	return slices.Collect(s.Lines())
}

func joinLines(s *pssh.Stream) string { return strings.Join(collect(s), "\n") }

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll reads r to its end and returns the byte count and the final error
// (nil at EOF).
func readAll(r io.Reader) (int64, error) {
	return io.Copy(io.Discard, r)
}

func requireCommand(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// countingDial dials TCP and counts the connections opened.
func countingDial(n *int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var mu sync.Mutex
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		*n++
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// processRunning reports whether a process whose command line is pattern runs.
func processRunning(t testing.TB, pattern string) bool {
	err := exec.Command("pgrep", "-f", "^"+pattern).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return false
	}
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	return true
}

// linesBeforeTimeout reads s until at least one line has come and an
// iteration has then ended on the read timeout; a slow machine may need
// several iterations before the first line arrives.
func linesBeforeTimeout(t testing.TB, s *pssh.Stream) []string {
	t.Helper()
	var got []string
	for {
		got = append(got, collect(s)...)
		var te *pssh.TimeoutError
		if !errors.As(s.Err(), &te) || te.Phase != pssh.PhaseRead {
			t.Fatalf("iteration ended with %v, want a read *TimeoutError", s.Err())
		}
		if len(got) > 0 {
			return got
		}
	}
}
