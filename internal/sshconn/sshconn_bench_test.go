package sshconn_test

// BenchmarkHandshake measures the client side of one connection: TCP
// connect, key exchange, host key verification, public key authentication
// (ed25519, one signature) and close. The physical floor on this machine
// class is about 0.10 ms of CPU (X25519 58 µs, ed25519 verify 33 µs, sign
// 14 µs; see /work/shared/notes/anchors.md).
//
// server=inproc runs the sshtest server in this process: ns/op and
// allocs/op then include the server's half. server=subprocess runs the
// same server in a child process (this test binary, re-executed), so that
// cpu-us/op (getrusage RUSAGE_SELF) and allocs/op are the client's alone.
// kex=default is x/crypto's preference (mlkem768x25519-sha256 against
// sshtest; OpenSSH 9.2 would negotiate curve25519-sha256), kex=curve25519
// forces curve25519-sha256.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/sshconn"
	"github.com/gopssh/pssh/sshtest"
)

// serverEnv, when set in the environment of this test binary, makes it an
// sshtest server accepting the authorized key in the variable: it prints
// its address and host key on one line, and serves until stdin closes.
const serverEnv = "SSHCONN_BENCH_SERVER_AUTHORIZED_KEY"

func TestMain(m *testing.M) {
	if key := os.Getenv(serverEnv); key != "" {
		os.Exit(serveForBenchmark(key))
	}
	os.Exit(m.Run())
}

func serveForBenchmark(authorizedKey string) int {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{pub}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	fmt.Printf("%s %s", srv.Addr, ssh.MarshalAuthorizedKey(srv.HostKey))
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// subprocessServer starts an sshtest server in a child process accepting
// key, and returns its address and host key callback.
func subprocessServer(b *testing.B, key *sshtest.Key) (string, ssh.HostKeyCallback) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serverEnv+"="+strings.TrimSpace(string(key.AuthorizedKey())))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("server subprocess: %v", err)
	}
	addr, hostKey, ok := strings.Cut(line, " ")
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hostKey))
	if !ok || err != nil {
		b.Fatalf("server subprocess said %q: %v", line, err)
	}
	return addr, ssh.FixedHostKey(pub)
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkHandshake(b *testing.B) {
	key, err := sshtest.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	for _, server := range []string{"inproc", "subprocess"} {
		for _, kex := range []string{"default", "curve25519"} {
			b.Run("server="+server+"/kex="+kex, func(b *testing.B) {
				var addr string
				var hostKey ssh.HostKeyCallback
				if server == "inproc" {
					srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
					if err != nil {
						b.Fatal(err)
					}
					defer srv.Close()
					addr, hostKey = srv.Addr, srv.HostKeyCallback()
				} else {
					addr, hostKey = subprocessServer(b, key)
				}
				cc := &ssh.ClientConfig{
					User:            "bench",
					Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
					HostKeyCallback: hostKey,
				}
				if kex == "curve25519" {
					cc.KeyExchanges = []string{ssh.KeyExchangeCurve25519}
				}
				cfg := sshconn.Config{Addr: addr, Client: cc, ConnectTimeout: 10 * time.Second}
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuTime(b)
				for range b.N {
					c, err := sshconn.Dial(ctx, cfg)
					if err != nil {
						b.Fatal(err)
					}
					c.Close()
				}
				cpu = cpuTime(b) - cpu
				b.StopTimer()
				unit := "cpu-us/op"
				if server == "inproc" {
					unit = "client+server-cpu-us/op"
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), unit)
				runtime.GC()
			})
		}
	}
}
