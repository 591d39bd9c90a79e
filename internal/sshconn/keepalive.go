package sshconn

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// StartKeepalive sends a keepalive@openssh.com request every interval and
// closes the connection once countMax requests in a row went unanswered for
// an interval each, as OpenSSH's ServerAliveInterval and ServerAliveCountMax
// do. It stops when the connection is closed or dead, or when stop is
// called.
//
// With activity (may be nil) counting what the connection's transport
// reads, an interval in which the connection received anything is not
// missed, as OpenSSH counts only intervals without a message from the
// server: the reply may wait behind output the client has not read yet (a
// slow link, or a client holding back the connection's reading while its
// output waits to be taken, see package flow), and a connection still
// delivering output is alive.
//
// It holds no goroutine between checks: a timer runs each check, and a
// request waits for its reply on that timer's goroutine. An idle kept
// connection so costs a timer, not a goroutine's stack: that counts at
// thousands of hosts.
func StartKeepalive(client *ssh.Client, interval time.Duration, countMax int, activity *Activity) (stop func()) {
	k := &keepalive{client: client, interval: interval, countMax: max(countMax, 1), activity: activity}
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
	activity *Activity // nil: not counted

	mu      sync.Mutex
	timer   *time.Timer
	pending bool  // a request is waiting for its reply
	missed  int   // intervals the pending request has gone unanswered
	done    bool  // stopped, or the connection is closed
	seen    int64 // activity's count at the last check
}

// Activity counts the bytes read from connections (see Conn), for
// StartKeepalive. Its methods are safe for concurrent use.
type Activity struct{ n atomic.Int64 }

// Conn returns c counting its reads in a.
func (a *Activity) Conn(c net.Conn) net.Conn { return &countedConn{Conn: c, a: a} }

// received tells whether anything was read since the last call.
func (k *keepalive) received() bool {
	if k.activity == nil {
		return false
	}
	n := k.activity.n.Load()
	moved := n != k.seen
	k.seen = n
	return moved
}

type countedConn struct {
	net.Conn
	a *Activity
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.a.n.Add(int64(n))
	return n, err
}

// tick runs every interval, on the timer's goroutine.
func (k *keepalive) tick() {
	k.mu.Lock()
	if k.done {
		k.mu.Unlock()
		return
	}
	if k.pending {
		if k.received() {
			k.missed = 0
		} else if k.missed++; k.missed >= k.countMax {
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
	k.received() // from now on
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
