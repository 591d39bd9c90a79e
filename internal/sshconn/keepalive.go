package sshconn

import (
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// StartKeepalive sends a keepalive@openssh.com request every interval and
// closes the connection once countMax requests in a row went unanswered for
// an interval each, as OpenSSH's ServerAliveInterval and ServerAliveCountMax
// do. It stops when the connection is closed or dead, or when stop is
// called.
//
// It holds no goroutine between checks: a timer runs each check, and a
// request waits for its reply on that timer's goroutine. An idle kept
// connection so costs a timer, not a goroutine's stack: that counts at
// thousands of hosts.
func StartKeepalive(client *ssh.Client, interval time.Duration, countMax int) (stop func()) {
	k := &keepalive{client: client, interval: interval, countMax: max(countMax, 1)}
	k.mu.Lock()
	k.timer = time.AfterFunc(interval, k.tick)
	k.mu.Unlock()
	return k.stop
}

// keepalive is the state of one connection's checks.
type keepalive struct {
	client   *ssh.Client
	interval time.Duration
	countMax int

	mu      sync.Mutex
	timer   *time.Timer
	pending bool // a request is waiting for its reply
	missed  int  // intervals the pending request has gone unanswered
	done    bool // stopped, or the connection is closed
}

// tick runs every interval, on the timer's goroutine.
func (k *keepalive) tick() {
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		return
	}
	if k.pending {
		if k.missed++; k.missed >= k.countMax {
			k.done = true
			k.mu.Unlock()
			k.client.Close()
			return
		}
		k.timer.Reset(k.interval)
		k.mu.Unlock()
		return
	}
	k.pending = true
	k.timer.Reset(k.interval)
	k.mu.Unlock()

	_, _, err := k.client.SendRequest("keepalive@openssh.com", true, nil)

	k.mu.Lock()
	k.pending, k.missed = false, 0
	if err != nil { // the connection is closed
		k.done = true
		k.timer.Stop()
	}
	k.mu.Unlock()
}

// stop ends the checks; a request in flight ends with the connection.
func (k *keepalive) stop() {
	k.mu.Lock()
	k.done = true
	k.timer.Stop()
	k.mu.Unlock()
}
