package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// A run through two workers leaves every host as a direct run does:
// outputs byte for byte (one larger than many chunks), exit statuses, and
// a refused connection's typed error.
func TestClusterMatchesDirectRun(t *testing.T) {
	fleet := sshtest.StartFleet(t, 5, sshtest.Config{})
	cfg := fleet.ClientConfig()
	cfg.ConnectTimeout = 10 * time.Second
	hosts := append(fleet.Addrs(), closedAddr(t))
	c := newCluster(t)
	c.worker("w1", "default", cfg, nil)
	c.worker("w2", "default", cfg, nil)

	for _, tc := range []struct{ name, command string }{
		{"status", `printf 'out\nno newline'; echo err >&2; exit 3`},
		{"large", `seq 1 60000; seq 1 20000 >&2`},
		{"signal", `kill -TERM $$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := &pssh.RunOptions{HostTimeout: 30 * time.Second}
			start := time.Now()
			want := direct(t, hosts, cfg, tc.command, opt)
			mid := time.Now()
			run, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(hosts, ""), Command: tc.command, Options: *opt})
			if err != nil {
				t.Fatal(err)
			}
			got := collect(t, run)
			t.Logf("direct run %v, through the cluster %v", mid.Sub(start), time.Since(mid))
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("host %d:\n got %+v\nwant %+v", i, abbrev(got[i]), abbrev(want[i]))
				}
			}
		})
	}
}

// The typed errors come back as the library's types.
func TestClusterTypedErrors(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	cfg := srv.ClientConfig()
	c := newCluster(t)
	c.worker("w1", "default", cfg, nil)
	hosts := []string{closedAddr(t), srv.Addr}
	run, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(hosts, ""), Command: "sleep 5",
		Options: pssh.RunOptions{HostTimeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	errs := map[int]error{}
	for o := range run.Outputs() {
		<-o.Done()
		errs[o.Index] = o.Err()
	}
	var ce *pssh.ConnectionError
	if !errors.As(errs[0], &ce) || !errors.Is(errs[0], syscall.ECONNREFUSED) || pssh.Classify(errs[0]) != pssh.FailureConnection {
		t.Errorf("closed port: %T %v, want a *ConnectionError wrapping ECONNREFUSED", errs[0], errs[0])
	}
	var te *pssh.TimeoutError
	if !errors.As(errs[1], &te) || !te.Deadline || te.Phase != pssh.PhaseCommand || pssh.Classify(errs[1]) != pssh.FailureTimeout {
		t.Errorf("timed out: %T %v, want a *TimeoutError at the deadline, in the command", errs[1], errs[1])
	}
}

// A run signed by a key the workers do not trust is refused: no host
// runs, each ends not started, saying why.
func TestClusterUntrustedRefused(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	c := newCluster(t)
	c.worker("w1", "default", srv.ClientConfig(), nil)
	run, err := c.submitter(newKey(t)).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "true"})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, run)
	if got[0].Kind != pssh.FailureNotStarted || !strings.Contains(got[0].Err, "not in the worker's trusted submitters") {
		t.Errorf("got %+v, want not started, refused as untrusted", got[0])
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("%d sessions on the host, want none", n)
	}
}

// An item published again (a replay) is not run again.
func TestClusterReplayRefused(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	c := newCluster(t)
	claimed := make(chan string, 4)
	c.worker("w1", "default", srv.ClientConfig(), func(w *cluster.Worker) {
		log := w.Log
		w.Log = func(format string, args ...any) {
			log(format, args...)
			if strings.Contains(format, "already claimed") {
				claimed <- fmt.Sprintf(format, args...)
			}
		}
	})
	spy := c.connect("spy")
	items, err := spy.SubscribeSync("pssh.work.>")
	if err != nil {
		t.Fatal(err)
	}
	spy.Flush()
	run, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "echo once"})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, run); got[0].Stdout != "once\n" {
		t.Fatalf("first run: %+v", got[0])
	}
	msg, err := items.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := spy.Publish(msg.Subject, msg.Data); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-claimed:
		t.Log(s)
	case <-time.After(30 * time.Second):
		t.Fatal("the replayed item was not refused")
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d sessions, want 1: the replay ran", n)
	}
}

// Cancelling the submitter's context (Ctrl-C) ends the remote commands:
// the hosts end interrupted, and the remote processes are gone.
func TestClusterCancel(t *testing.T) {
	fleet := sshtest.StartFleet(t, 2, sshtest.Config{})
	c := newCluster(t)
	c.worker("w1", "default", fleet.ClientConfig(), nil)
	ctx, cancel := context.WithCancel(ctxT(t))
	run, err := c.submitter(c.key).Submit(ctx, &cluster.Job{Hosts: jobHosts(fleet.Addrs(), ""), Command: "echo $$; exec sleep 300"})
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	var outs []*pssh.HostOutput
	for o := range run.Outputs() {
		line, ok := firstLine(o)
		pid, err := strconv.Atoi(line)
		if !ok || err != nil {
			t.Fatalf("%s: first line %q: %v", o.Host, line, err)
		}
		pids = append(pids, pid)
		outs = append(outs, o)
	}
	start := time.Now()
	cancel()
	for _, o := range outs {
		<-o.Done()
		if k := o.Failure(); k != pssh.FailureInterrupted {
			t.Errorf("%s: %v (%v), want interrupted", o.Host, k, o.Err())
		}
	}
	t.Logf("hosts ended %v after the cancel", time.Since(start))
	// The server kills the command as the session goes: within seconds,
	// not the 300 it would sleep.
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("remote command (pid %d) still running 10s after the cancel", pid)
			}
			time.Sleep(20 * time.Millisecond) // polling a process we cannot wait for
		}
	}
}

// A site without a worker: its hosts end not started after StartTimeout,
// wrapping ErrNoWorker, and no worker takes the item later.
func TestClusterNoWorker(t *testing.T) {
	c := newCluster(t)
	s := c.submitter(c.key)
	s.StartTimeout = 500 * time.Millisecond
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{"127.0.0.1:1"}, "nowhere"), Command: "true"})
	if err != nil {
		t.Fatal(err)
	}
	for o := range run.Outputs() {
		<-o.Done()
		if !errors.Is(o.Err(), pssh.ErrNoWorker) || o.Failure() != pssh.FailureNotStarted {
			t.Errorf("%s: %v, want not started: no worker", o.Host, o.Err())
		}
	}
}

// A worker lost mid-run (its connection gone): the hosts it started end
// with a WorkerLostError, keeping the output received.
func TestClusterWorkerLost(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	c := newCluster(t)
	_, wnc := c.worker("w1", "default", srv.ClientConfig(), func(w *cluster.Worker) {
		w.Beat, w.StopGrace = 100*time.Millisecond, 100*time.Millisecond
	})
	s := c.submitter(c.key)
	s.LostAfter = time.Second
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "echo before; exec sleep 300"})
	if err != nil {
		t.Fatal(err)
	}
	for o := range run.Outputs() {
		if line, _ := firstLine(o); line != "before" {
			t.Fatalf("first line %q", line)
		}
		wnc.Close()
		<-o.Done()
		var wl *pssh.WorkerLostError
		if !errors.As(o.Err(), &wl) || wl.Worker != "w1" || o.Failure() != pssh.FailureWorkerLost {
			t.Errorf("%s: %v, want a WorkerLostError naming w1", o.Host, o.Err())
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// firstLine reads o's first stdout line.
func firstLine(o *pssh.HostOutput) (string, bool) {
	for line := range o.Stdout.Lines() {
		return line, true
	}
	return "", false
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	srv, err := sshtest.NewServer(sshtest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr
	srv.Close()
	return addr
}

// abbrev shortens outputs for a failure message.
func abbrev(r hostResult) hostResult {
	for _, s := range []*string{&r.Stdout, &r.Stderr} {
		if len(*s) > 200 {
			*s = (*s)[:100] + fmt.Sprintf("...(%d bytes)...", len(*s)) + (*s)[len(*s)-100:]
		}
	}
	return r
}

// A worker told to stop (SIGTERM) takes no more runs, but finishes and
// reports the hosts it started.
func TestWorkerStopFinishesRunning(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	c := newCluster(t)
	stop, _ := c.worker("w1", "default", srv.ClientConfig(), nil)
	gate := filepath.Join(t.TempDir(), "gate")
	command := fmt.Sprintf(`echo started; while [ ! -e %s ]; do sleep 0.05; done; echo finished`, gate)
	s := c.submitter(c.key)
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: command})
	if err != nil {
		t.Fatal(err)
	}
	var out *pssh.HostOutput
	for o := range run.Outputs() {
		out = o
	}
	if line, _ := firstLine(out); line != "started" {
		t.Fatalf("first line %q", line)
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	<-stopped
	r := result(t, out)
	if r.Stdout != "finished\n" || r.Kind != pssh.NoFailure {
		t.Errorf("the running host: %+v, want finished", r)
	}
	s.StartTimeout = 500 * time.Millisecond
	run, err = s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts([]string{srv.Addr}, ""), Command: "true"})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, run); got[0].Kind != pssh.FailureNotStarted {
		t.Errorf("a run after the stop: %+v, want not started", got[0])
	}
}
