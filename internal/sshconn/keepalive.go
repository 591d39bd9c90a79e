package sshconn

import (
	"time"

	"golang.org/x/crypto/ssh"
)

// Keepalive sends a keepalive@openssh.com request every interval and closes
// the connection once countMax requests in a row went unanswered for an
// interval each, as OpenSSH's ServerAliveInterval and ServerAliveCountMax
// do. It returns when the connection is closed or dead, or stop is closed.
// It reports whether it closed the connection.
func Keepalive(client *ssh.Client, interval time.Duration, countMax int, stop <-chan struct{}) bool {
	if countMax < 1 {
		countMax = 1
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var pending chan error // the request in flight, if any
	missed := 0
	for {
		select {
		case <-stop:
			return false
		case err := <-pending:
			pending = nil
			if err != nil {
				return false // the connection is closed
			}
			missed = 0
		case <-t.C:
			if pending != nil {
				if missed++; missed >= countMax {
					client.Close()
					return true
				}
				continue
			}
			pending = make(chan error, 1)
			go func(ch chan<- error) {
				_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
				ch <- err
			}(pending)
		}
	}
}
