package opensshd

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"time"
)

const (
	// readyTimeout bounds the wait for sshd to accept connections.
	readyTimeout = 10 * time.Second
	// probeInterval is the pause between readiness probes.
	probeInterval = 20 * time.Millisecond
	// probeTimeout bounds one readiness probe.
	probeTimeout = 2 * time.Second
	// maxPreambleLines bounds the lines read before the SSH banner.
	maxPreambleLines = 20
)

// waitReady polls every address until sshd answers with an SSH banner on
// all of them. It gives up when exited is closed (sshd died) or after
// readyTimeout.
func waitReady(addrs []string, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for _, addr := range addrs {
		for {
			select {
			case <-exited:
				return fmt.Errorf("sshd exited before accepting connections on %s", addr)
			default:
			}
			err := probeBanner(addr, min(probeTimeout, time.Until(deadline)), exited)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("sshd not accepting connections on %s after %v: %w", addr, readyTimeout, err)
			}
			t := time.NewTimer(probeInterval)
			select {
			case <-exited:
				t.Stop()
				return fmt.Errorf("sshd exited before accepting connections on %s", addr)
			case <-t.C:
			}
		}
	}
	return nil
}

// probeBanner connects to addr and reads until the "SSH-2.0-" identification
// line (RFC 4253 allows other lines before it). It gives up early when
// exited is closed: whatever still holds the port then is not our sshd.
func probeBanner(addr string, timeout time.Duration, exited <-chan struct{}) error {
	if timeout <= 0 {
		timeout = time.Millisecond
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-exited:
			conn.Close()
		case <-done:
		}
	}()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for range maxPreambleLines {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "SSH-2.0-") || strings.HasPrefix(line, "SSH-1.99-") {
			// Answer in kind so sshd logs a clean disconnect rather
			// than a protocol error.
			_, _ = conn.Write([]byte("SSH-2.0-opensshd_probe\r\n"))
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading banner: %w", err)
		}
	}
	return fmt.Errorf("no SSH banner from %s", addr)
}
