package cluster_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// scaleHosts is how many hosts TestCluster1000Hosts runs, on scaleServers
// servers: each server stands for several hosts, told apart by their
// login user (h0001@..., h0002@...), which the server prints back.
const (
	scaleHosts   = 1000
	scaleServers = 50
	scaleWorkers = 4
)

// scaleHandler answers each command in process (no shell forked per host):
// it prints the login user and the command, one line to stderr, and exits
// with the user's number modulo 7 (0 for most hosts).
func scaleHandler(_ context.Context, e *sshtest.Exec) sshtest.Exit {
	fmt.Fprintf(e.Stdout, "%s ran %q\n", e.User, e.Command)
	fmt.Fprintf(e.Stderr, "stderr of %s\n", e.User)
	n, _ := strconv.Atoi(strings.TrimPrefix(e.User, "h"))
	return sshtest.Exit{Code: n % 7}
}

// 1,000 hosts through 4 workers of one site: every host ends exactly once,
// as a direct run leaves it (output, exit status).
func TestCluster1000Hosts(t *testing.T) {
	fleet := sshtest.StartFleet(t, scaleServers, sshtest.Config{Handler: scaleHandler})
	cfg := fleet.ClientConfig()
	cfg.ConnectTimeout = 30 * time.Second
	addrs := fleet.Addrs()
	hosts := make([]string, scaleHosts)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("h%04d@%s", i, addrs[i%len(addrs)])
	}
	c := newCluster(t)
	for w := range scaleWorkers {
		c.worker(fmt.Sprintf("w%d", w+1), "default", cfg, func(w *cluster.Worker) { w.Par = 32 })
	}
	const command = "deploy.sh 42"
	opt := &pssh.RunOptions{HostTimeout: time.Minute}
	start := time.Now()
	want := direct(t, hosts, cfg, command, opt)
	mid := time.Now()
	s := c.submitter(c.key)
	s.ItemHosts = 64 // 16 items: every worker takes some
	// Under -race on two cores loaded by other jobs (load average near
	// 50), a worker's beats were once held back past the default 10s and
	// its hosts ended worker_lost: that is the lost-worker detection's
	// business (and its own tests'), not this test's, which checks that
	// a thousand hosts end once, as directly.
	s.LostAfter = time.Minute
	// Not ctxT's two minutes: on a saturated machine (load average near
	// 50) under -race, the direct run alone can take most of them, and the
	// end of the context would cancel the run through the workers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run, err := s.Submit(ctx, &cluster.Job{Hosts: jobHosts(hosts, ""), Command: command, Options: *opt})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, run) // fails on a host yielded twice
	t.Logf("%d hosts: direct run %v, through %d workers %v", scaleHosts, mid.Sub(start), scaleWorkers, time.Since(mid))

	bad := 0
	for i := range want {
		if want[i].Stdout != fmt.Sprintf("h%04d ran %q\n", i, command) {
			t.Fatalf("direct run, host %d: %+v", i, want[i])
		}
		if got[i] != want[i] {
			if bad++; bad <= 5 {
				t.Errorf("host %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d hosts differ from the direct run", bad, scaleHosts)
	}
}

// Items queued behind a busy worker wait for it: StartTimeout ends an
// item only once no worker of its site has been heard from for that long,
// not while the site's workers work through a long queue (50,000 hosts
// are 196 items; a worker takes two at a time).
func TestClusterQueueBehindBusyWorker(t *testing.T) {
	fleet := sshtest.StartFleet(t, 3, sshtest.Config{})
	c := newCluster(t)
	c.worker("w1", "default", fleet.ClientConfig(), func(w *cluster.Worker) {
		w.Items, w.Par, w.Beat = 1, 1, 50*time.Millisecond
	})
	s := c.submitter(c.key)
	s.ItemHosts, s.StartTimeout = 1, 400*time.Millisecond
	run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(fleet.Addrs(), ""), Command: "sleep 1; echo done"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range collect(t, run) {
		if r.Stdout != "done\n" || r.Err != "" {
			t.Errorf("host %d: %+v, want it run after the ones before it", i, r)
		}
	}
}
