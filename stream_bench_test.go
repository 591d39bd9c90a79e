package pssh_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

// streamSize is what BenchmarkStream1GB's one host writes to stdout.
const streamSize = 1_000_000_000

// BenchmarkStream1GB streams 1 GB of stdout from one host (a real sshd on
// loopback) through the library, and, in the same sitting, through
// OpenSSH's ssh client into /dev/null, for both ciphers (the anchors: ssh
// 472 MB/s with chacha20-poly1305, 671 MB/s with aes128-gcm). Run it alone,
// a few times, so that the variants interleave:
//
//	go test -run XXX -bench Stream1GB -benchtime 1x -count 3
//
//	MB/s    10^6 bytes per second of wall time
//	cpu-s   client CPU (user+sys): this process for pssh, the ssh process for OpenSSH
//
// read=Read copies Stdout.Read (32 KiB reads) into io.Discard; read=Lines
// iterates Stdout.Lines over 10^7 lines of 99 bytes.
func BenchmarkStream1GB(b *testing.B) {
	s, cfg := benchSSHD(b)
	zeros := fmt.Sprintf("head -c %d /dev/zero", streamSize)
	lines := fmt.Sprintf("yes %s | head -c %d", strings.Repeat("x", 99), streamSize)
	for _, cipher := range []string{ssh.CipherAES128GCM, ssh.CipherChaCha20Poly1305} {
		short, _, _ := strings.Cut(cipher, "@")
		b.Run("client=pssh/cipher="+short+"/read=Read", func(b *testing.B) {
			streamPSSH(b, s, cfg, cipher, zeros, readAllRaw)
		})
		b.Run("client=openssh/cipher="+short, func(b *testing.B) {
			streamOpenSSH(b, s, cfg.User, cipher, zeros)
		})
	}
	b.Run("client=pssh/cipher=aes128-gcm/read=Lines", func(b *testing.B) {
		streamPSSH(b, s, cfg, ssh.CipherAES128GCM, lines, readAllLines)
	})
}

// readAllRaw reads stdout to its end with 32 KiB reads and counts the bytes.
func readAllRaw(o *pssh.HostOutput) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := o.Stdout.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// readAllLines reads stdout as lines, each of which must be 99 bytes, and
// counts the bytes with their newlines.
func readAllLines(o *pssh.HostOutput) (int64, error) {
	var n int64
	for line := range o.Stdout.Lines() {
		if len(line) != 99 {
			return n, fmt.Errorf("line of %d bytes after %d bytes, want 99", len(line), n)
		}
		n += int64(len(line)) + 1
	}
	return n, o.Stdout.Err()
}

func streamPSSH(b *testing.B, s *opensshd.Server, base *pssh.Config, cipher, command string, read func(*pssh.HostOutput) (int64, error)) {
	cfg := *base
	cfg.Ciphers = []string{cipher}
	ctx := context.Background()
	var wall, cpu time.Duration
	for range b.N {
		c, err := pssh.New(s.Addrs[:1], &cfg)
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), processCPU(b)
		outs, err := c.Run(ctx, command, nil)
		if err != nil {
			b.Fatal(err)
		}
		n, err := read(outs[0])
		if err != nil || n != streamSize {
			b.Fatalf("read %d bytes, %v; want %d", n, err, streamSize)
		}
		if err := outs[0].Wait(ctx); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		cpu += processCPU(b) - cpu0
		c.Close()
	}
	reportStream(b, wall, cpu)
}

func streamOpenSSH(b *testing.B, s *opensshd.Server, user, cipher, command string) {
	sshPath, err := exec.LookPath("ssh")
	if err != nil {
		b.Skip(err)
	}
	host, port, _ := strings.Cut(s.Addrs[0], ":")
	var wall, cpu time.Duration
	for range b.N {
		cmd := exec.Command(sshPath, "-F", "/dev/null", "-i", s.ClientKeyFile,
			"-o", "UserKnownHostsFile="+s.KnownHostsFile, "-o", "StrictHostKeyChecking=yes",
			"-o", "BatchMode=yes", "-o", "KexAlgorithms=curve25519-sha256", "-c", cipher,
			"-p", port, "-l", user, host, command)
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = devNull, &stderr
		start := time.Now()
		err = cmd.Run()
		wall += time.Since(start)
		devNull.Close()
		if err != nil {
			b.Fatalf("ssh: %v: %s", err, stderr.Bytes())
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	reportStream(b, wall, cpu)
}

func reportStream(b *testing.B, wall, cpu time.Duration) {
	b.ReportMetric(float64(streamSize)*float64(b.N)/wall.Seconds()/1e6, "MB/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(0, "ns/op")
}
