package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gopssh/pssh/internal/netdelay"
	"github.com/gopssh/pssh/internal/opensshd"
)

// controlBed is a real sshd on 127.0.0.2 reached through a counting proxy
// on 127.0.0.1, and a control socket of the test's own.
type controlBed struct {
	proxy *netdelay.Proxy
	auth  []string // the hosts and how to log in
	env   []string // one home for every invocation
	sock  string
}

func newControlBed(t testing.TB, link netdelay.Link) *controlBed {
	t.Helper()
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.2"}})
	user, _ := opensshd.EnsureTestUser(t)
	proxy, err := netdelay.NewProxy("127.0.0.1:0", fmt.Sprintf("127.0.0.2:%d", s.Port), link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, []byte(knownhosts.Line([]string{proxy.Addr}, s.HostKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &controlBed{
		proxy: proxy,
		auth:  []string{"-H", user + "@" + proxy.Addr, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + known},
		env:   []string{"HOME=" + t.TempDir()},
		sock:  filepath.Join(dir, "ctl", "control"),
	}
	t.Cleanup(func() {
		if socketExists(b.sock) {
			cmd := exec.Command(psshBin, "control", "stop", "--control-path", b.sock)
			cmd.Env = append(os.Environ(), b.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("control stop: %v: %s", err, out)
			}
		}
	})
	return b
}

// run runs pssh with the bed's hosts, flags and the command, writing -o
// files and --json; it returns the result with the JSON lines' times
// removed, the -o file's content and the connections it opened.
func (b *controlBed) run(t *testing.T, flags ...string) (r runResult, outFile string, accepted int64) {
	t.Helper()
	before := b.proxy.Accepted()
	out := t.TempDir()
	args := append(append(slices.Clone(b.auth), flags...), "--json", "-o", out, "echo out; echo err >&2; exit 3")
	r = psshEnv(t, b.env, "", args...)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("--json line %q: %v\nstderr:\n%s", l, err, r.stderr)
		}
		delete(m, "start")
		delete(m, "end")
		delete(m, "duration_ms")
		j, _ := json.Marshal(m)
		lines = append(lines, string(j))
	}
	r.stdout = strings.Join(lines, "\n")
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(out, e.Name()))
		outFile += e.Name() + ": " + string(data)
	}
	return r, outFile, b.proxy.Accepted() - before
}

// TestControlMasterOpenSSH drives the binary's control master against a
// real sshd: the second invocation opens no TCP connection and gives
// what a direct run gives; control status and stop; the fallback from a
// stale socket.
func TestControlMasterOpenSSH(t *testing.T) {
	b := newControlBed(t, netdelay.Link{})
	direct, directOut, n := b.run(t)
	wantCode(t, direct, 5)
	if n != 1 || directOut == "" {
		t.Fatalf("direct run: %d connections, -o %q", n, directOut)
	}
	same := func(t *testing.T, r runResult, out string) {
		t.Helper()
		if r.code != direct.code || r.stdout != direct.stdout || out != directOut {
			t.Errorf("through the master: exit %d, --json %s, -o %q\ndirect: exit %d, --json %s, -o %q\nstderr: %s",
				r.code, r.stdout, out, direct.code, direct.stdout, directOut, r.stderr)
		}
	}
	persist := []string{"--control-persist", "60", "--control-path", b.sock}

	t.Run("first starts the master", func(t *testing.T) {
		r, out, n := b.run(t, persist...)
		same(t, r, out)
		if n != 1 {
			t.Errorf("%d connections, want the master's one", n)
		}
		if !masterAnswers(b.sock) {
			t.Fatalf("no master on %s after the first run; stderr: %s", b.sock, r.stderr)
		}
	})
	t.Run("second opens no connection", func(t *testing.T) {
		r, out, n := b.run(t, persist...)
		same(t, r, out)
		if n != 0 {
			t.Errorf("%d TCP connections through the master, want 0", n)
		}
		if r.stderr != direct.stderr {
			t.Errorf("stderr %q, want %q", r.stderr, direct.stderr)
		}
	})
	t.Run("ControlPath alone attaches", func(t *testing.T) {
		r, out, n := b.run(t, "-O", "ControlPath="+b.sock)
		same(t, r, out)
		if n != 0 {
			t.Errorf("%d TCP connections, want 0", n)
		}
	})
	t.Run("stdin and a timeout through the master", func(t *testing.T) {
		before := b.proxy.Accepted()
		args := append(append([]string{}, b.auth...), "--control-path", b.sock, "-I", "-i", "cat")
		r := psshEnv(t, append([]string{}, b.env...), "line one\nline two\n", args...)
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "line one\nline two\n") {
			t.Errorf("-I through the master: %s", r.stdout)
		}
		r = psshEnv(t, b.env, "", append(append([]string{}, b.auth...), "--control-path", b.sock, "-t", "1", "sleep 30")...)
		wantCode(t, r, 3)
		if n := b.proxy.Accepted() - before; n != 0 {
			t.Errorf("%d TCP connections, want 0; stderr: %s", n, r.stderr)
		}
	})
	t.Run("slurp through the master", func(t *testing.T) {
		before := b.proxy.Accepted()
		args := append(append([]string{"slurp"}, b.auth...), "--control-path", b.sock, "/etc/passwd", t.TempDir())
		r := psshEnv(t, b.env, "", args...)
		wantCode(t, r, 0)
		if n := b.proxy.Accepted() - before; n != 0 {
			t.Errorf("slurp opened %d TCP connections, want 0; stderr: %s", n, r.stderr)
		}
	})
	t.Run("status", func(t *testing.T) {
		r := psshEnv(t, b.env, "", "control", "status", "-O", "ControlPath="+b.sock)
		wantCode(t, r, 0)
		host := b.auth[1]
		if !strings.Contains(r.stdout, "control master: pid ") || !strings.Contains(r.stdout, b.sock) ||
			!strings.Contains(r.stdout, "1 hosts, 1 connected\n"+host+"\tconnected\n") {
			t.Errorf("status:\n%s", r.stdout)
		}
	})
	t.Run("stop removes the socket", func(t *testing.T) {
		r := psshEnv(t, b.env, "", "control", "stop", "-O", "ControlPath="+b.sock)
		wantCode(t, r, 0)
		if socketExists(b.sock) {
			t.Errorf("socket %s still there after control stop", b.sock)
		}
		r = psshEnv(t, b.env, "", "control", "status", "--control-path", b.sock)
		wantCode(t, r, 1)
	})
	t.Run("an idle master ends", func(t *testing.T) {
		r, out, _ := b.run(t, "--control-persist", "1", "--control-path", b.sock)
		same(t, r, out)
		for deadline := time.Now().Add(30 * time.Second); socketExists(b.sock); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the master with --control-persist 1 still listens after 30 s")
			}
		}
		log, err := os.ReadFile(b.sock + ".log")
		if err != nil || !strings.Contains(string(log), "idle for 1s: stopping") {
			t.Errorf("the master's log (%v):\n%s", err, log)
		}
	})
	t.Run("stale socket falls back", func(t *testing.T) {
		ln, err := net.Listen("unix", b.sock)
		if err != nil {
			t.Fatal(err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		ln.Close()
		defer os.Remove(b.sock)
		r, out, n := b.run(t, "-O", "ControlPath="+b.sock)
		same(t, r, out)
		if n != 1 {
			t.Errorf("%d connections, want one direct", n)
		}
		warnings := strings.Count(r.stderr, "pssh: warning: control master "+b.sock)
		if warnings != 1 || !strings.Contains(r.stderr, "connecting directly") {
			t.Errorf("stderr %q: want one warning about the master", r.stderr)
		}
	})
}

// BenchmarkCLIRoundTrips times "pssh -H host true" on a real sshd behind
// a delaying proxy, with no delay and 100 ms of round trip: cold, and a
// second invocation through a control master, in wall time and round
// trips per invocation (the binary's own start-up included: the run with
// no delay is the local cost).
func BenchmarkCLIRoundTrips(b *testing.B) {
	for _, rtt := range []time.Duration{0, 100 * time.Millisecond} {
		cb := newControlBed(b, netdelay.Link{Delay: rtt / 2})
		run := func(b *testing.B, flags ...string) {
			cmd := exec.Command(psshBin, append(append(slices.Clone(cb.auth), flags...), "true")...)
			cmd.Env = append(os.Environ(), cb.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("pssh: %v: %s", err, out)
			}
		}
		report := func(b *testing.B, wall time.Duration) {
			if rtt > 0 {
				b.ReportMetric(float64(wall)/float64(b.N)/float64(rtt), "rtts/op")
			}
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(0, "ns/op")
		}
		b.Run(fmt.Sprintf("RTT=%v/cold", rtt), func(b *testing.B) {
			start := time.Now()
			for range b.N {
				run(b)
			}
			report(b, time.Since(start))
		})
		b.Run(fmt.Sprintf("RTT=%v/master", rtt), func(b *testing.B) {
			flags := []string{"--control-persist", "60", "--control-path", cb.sock}
			run(b, flags...) // starts the master and connects
			before := cb.proxy.Accepted()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				run(b, flags...)
			}
			report(b, time.Since(start))
			if n := cb.proxy.Accepted() - before; n != 0 {
				b.Fatalf("%d TCP connections through the master, want none", n)
			}
		})
	}
}
