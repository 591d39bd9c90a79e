package cluster_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// A run left by its submitter is attached to by another one, while it runs
// and after it ended: both see every host as a direct run leaves it.
func TestClusterAttach(t *testing.T) {
	fleet := sshtest.StartFleet(t, 4, sshtest.Config{})
	cfg := fleet.ClientConfig()
	cfg.ConnectTimeout = 10 * time.Second
	hosts := append(fleet.Addrs(), closedAddr(t))
	c := newCluster(t)
	c.worker("w1", "default", cfg, nil)
	command := `printf 'a\n'; sleep 1; seq 1 30000; echo e >&2; exit 4`
	opt := &pssh.RunOptions{HostTimeout: 30 * time.Second}
	want := direct(t, hosts, cfg, command, opt)

	// The submitter's run goes on whether it reads it or not.
	left, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(hosts, ""), Command: command, Options: *opt})
	if err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"running", "ended"} {
		run, err := (&cluster.Submitter{Conn: c.connect("attacher")}).Attach(ctxT(t), left.ID)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if got := run.Hosts(); len(got) != len(hosts) || got[0] != hosts[0] {
			t.Errorf("%s: hosts %q, want %q", when, got, hosts)
		}
		got := collect(t, run)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: host %d:\n got %+v\nwant %+v", when, i, abbrev(got[i]), abbrev(want[i]))
			}
		}
	}

	_, err = (&cluster.Submitter{Conn: c.connect("attacher")}).Attach(ctxT(t), "0123456789abcdef0123456789abcdef")
	if !errors.Is(err, cluster.ErrNoRun) {
		t.Errorf("attaching to no run: %v, want ErrNoRun", err)
	}
}
