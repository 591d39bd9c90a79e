package jump_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/jump"
	"github.com/gopssh/pssh/sshtest"
)

func testServer(t *testing.T) (*sshtest.Server, *ssh.ClientConfig) {
	t.Helper()
	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, &ssh.ClientConfig{User: "tester", Auth: []ssh.AuthMethod{ssh.PublicKeys(key.Signer)}, HostKeyCallback: srv.HostKeyCallback(), Timeout: 10 * time.Second}
}

// countingDial dials srv, counting dials and cleanups.
func countingDial(srv *sshtest.Server, cfg *ssh.ClientConfig, dials, cleanups *atomic.Int64) jump.DialFunc {
	return func(ctx context.Context) (*ssh.Client, func(), error) {
		dials.Add(1)
		c, err := ssh.Dial("tcp", srv.Addr, cfg)
		return c, func() { cleanups.Add(1) }, err
	}
}

func alive(c *ssh.Client) bool {
	_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
	return err == nil
}

func TestPoolShares(t *testing.T) {
	srv, cfg := testServer(t)
	var p jump.Pool
	var dials, cleanups atomic.Int64
	const n = 20
	clients := make([]*ssh.Client, n)
	releases := make([]func(), n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, release, err := p.Get(context.Background(), "u@jump:22", countingDial(srv, cfg, &dials, &cleanups))
			if err != nil {
				t.Error(err)
				return
			}
			clients[i], releases[i] = c, release
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if dials.Load() != 1 || p.Len() != 1 {
		t.Fatalf("%d dials, %d pooled; want one", dials.Load(), p.Len())
	}
	for _, c := range clients {
		if c != clients[0] {
			t.Fatal("different clients for one key")
		}
	}
	for _, r := range releases[1:] {
		r()
		r() // twice is once
	}
	if !alive(clients[0]) || cleanups.Load() != 0 {
		t.Fatal("closed before the last release")
	}
	releases[0]()
	if alive(clients[0]) || cleanups.Load() != 1 || p.Len() != 0 {
		t.Fatalf("after the last release: alive %v, %d cleanups, %d pooled", alive(clients[0]), cleanups.Load(), p.Len())
	}
	// Another key is another connection.
	_, r1, err := p.Get(context.Background(), "a", countingDial(srv, cfg, &dials, &cleanups))
	if err != nil {
		t.Fatal(err)
	}
	_, r2, err := p.Get(context.Background(), "b", countingDial(srv, cfg, &dials, &cleanups))
	if err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 3 || p.Len() != 2 {
		t.Fatalf("%d dials, %d pooled", dials.Load(), p.Len())
	}
	r1()
	r2()
}

func TestPoolSharesErrors(t *testing.T) {
	var p jump.Pool
	var dials atomic.Int64
	gate := make(chan struct{})
	boom := errors.New("boom")
	dial := func(ctx context.Context) (*ssh.Client, func(), error) {
		dials.Add(1)
		<-gate
		return nil, nil, boom
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 5)
	for range 5 {
		wg.Go(func() {
			started <- struct{}{}
			if _, _, err := p.Get(context.Background(), "k", dial); !errors.Is(err, boom) {
				t.Errorf("err %v", err)
			}
		})
	}
	for range 5 {
		<-started
	}
	close(gate)
	wg.Wait()
	if p.Len() != 0 {
		t.Fatal("a failed dial stays in the pool")
	}
	// Waiters that came in time shared the one dial; a later Get dials again.
	before := dials.Load()
	p.Get(context.Background(), "k", dial)
	if dials.Load() != before+1 {
		t.Fatal("no new dial after a failure")
	}
}

func TestPoolWaiterCancel(t *testing.T) {
	srv, cfg := testServer(t)
	var p jump.Pool
	var dials, cleanups atomic.Int64
	gate := make(chan struct{})
	entered := make(chan struct{})
	dial := func(ctx context.Context) (*ssh.Client, func(), error) {
		close(entered)
		<-gate
		return countingDial(srv, cfg, &dials, &cleanups)(ctx)
	}
	done := make(chan func())
	go func() {
		_, release, err := p.Get(context.Background(), "k", dial)
		if err != nil {
			t.Error(err)
		}
		done <- release
	}()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := p.Get(ctx, "k", dial); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled waiter: %v", err)
	}
	close(gate)
	release := <-done
	if release == nil {
		return
	}
	release()
	if cleanups.Load() != 1 {
		t.Fatal("not closed after the last release")
	}
}

func TestPoolDropsDeadConnections(t *testing.T) {
	srv, cfg := testServer(t)
	var p jump.Pool
	var dials, cleanups atomic.Int64
	c, release, err := p.Get(context.Background(), "k", countingDial(srv, cfg, &dials, &cleanups))
	if err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	c.Wait()
	// The pool's watcher removes it; Get must then dial anew.
	deadline := time.Now().Add(10 * time.Second)
	for p.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("dead connection still pooled")
		}
		time.Sleep(time.Millisecond) // waiting on the pool's own goroutine
	}
	c2, release2, err := p.Get(context.Background(), "k", countingDial(srv, cfg, &dials, &cleanups))
	if err != nil {
		t.Fatal(err)
	}
	if c2 == c || dials.Load() != 2 {
		t.Fatal("the dead connection was handed out")
	}
	release()
	if !alive(c2) {
		t.Fatal("releasing the dead connection closed the new one")
	}
	release2()
}

func TestKey(t *testing.T) {
	if got := jump.Key([]string{"a@h:22", "b@i:2222"}); got != "a@h:22,b@i:2222" {
		t.Fatal(got)
	}
}
