// Package jump shares SSH connections to jump hosts: a pool of connections
// keyed by their hop chain ("user@host:port,user@host:port"), reference
// counted so that every host behind the same jump host uses one connection
// to it, closed when the last user releases it.
//
// The pool does not dial by itself: the caller's dial function opens the
// connection (through the previous hop, which it gets from the same pool),
// so that policy (credentials, host keys, timeouts) stays with the caller.
package jump

import (
	"context"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// DialFunc opens the connection for a chain. cleanup, called once when the
// connection is closed, releases what the connection holds (its previous
// hop, its keepalive).
type DialFunc func(ctx context.Context) (client *ssh.Client, cleanup func(), err error)

// Pool holds the shared connections. The zero value is ready to use.
type Pool struct {
	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	ready   chan struct{} // closed when the dial ended
	client  *ssh.Client   // set before ready is closed, nil on error
	err     error
	cleanup func()
	refs    int // users, those still waiting for ready included
}

// Key returns the pool key of a chain of hops, each "user@host:port".
func Key(hops []string) string { return strings.Join(hops, ",") }

// Get returns the connection for key, dialing it with dial when the pool
// has none (or only a dead one). Concurrent Gets of one key wait for a
// single dial and share its result, error included. Call release once when
// done with the connection; the last release closes it.
func (p *Pool) Get(ctx context.Context, key string, dial DialFunc) (client *ssh.Client, release func(), err error) {
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]*entry{}
	}
	e, ok := p.m[key]
	if !ok {
		e = &entry{ready: make(chan struct{})}
		p.m[key] = e
	}
	e.refs++
	p.mu.Unlock()

	if !ok {
		e.client, e.cleanup, e.err = dial(ctx)
		if e.err != nil {
			p.mu.Lock()
			if p.m[key] == e {
				delete(p.m, key)
			}
			p.mu.Unlock()
		} else {
			go func(c *ssh.Client) {
				// A connection that dies leaves the pool at once, so that the
				// next Get dials anew; its users still release it.
				c.Wait()
				p.mu.Lock()
				if p.m[key] == e {
					delete(p.m, key)
				}
				p.mu.Unlock()
			}(e.client)
		}
		close(e.ready)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			p.release(key, e)
			return nil, nil, ctx.Err()
		}
	}
	if e.err != nil {
		p.release(key, e)
		return nil, nil, e.err
	}
	var once sync.Once
	return e.client, func() { once.Do(func() { p.release(key, e) }) }, nil
}

// release drops one reference to e, closing its connection on the last.
func (p *Pool) release(key string, e *entry) {
	p.mu.Lock()
	e.refs--
	last := e.refs == 0
	if last && p.m[key] == e {
		delete(p.m, key)
	}
	p.mu.Unlock()
	if !last {
		return
	}
	<-e.ready // the last user may be the dialer's waiter; the dial has ended
	if e.client != nil {
		e.client.Close()
	}
	if e.cleanup != nil {
		e.cleanup()
	}
}

// Len returns how many connections the pool holds, for tests.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}
