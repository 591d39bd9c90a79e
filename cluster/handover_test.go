package cluster_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// A worker lost mid-item: the host it started ends with a WorkerLostError;
// those it had not started go to another worker of the site, or, with
// none left, end not started once StartTimeout has passed.
func TestClusterWorkerLostHandsOver(t *testing.T) {
	for _, tc := range []struct {
		name    string
		another bool
	}{{"another worker", true}, {"none left", false}} {
		t.Run(tc.name, func(t *testing.T) {
			// Host 0 never ends; the others do.
			fleet := sshtest.StartFleetFunc(t, 3, func(i int) sshtest.Config {
				if i == 0 {
					return sshtest.Config{Env: []string{"SLOW=1"}}
				}
				return sshtest.Config{}
			})
			cfg := fleet.ClientConfig()
			c := newCluster(t)
			fast := func(w *cluster.Worker) { w.Par, w.Beat, w.StopGrace = 1, 100*time.Millisecond, 100*time.Millisecond }
			_, w1 := c.worker("w1", "default", cfg, fast)
			s := c.submitter(c.key)
			s.ItemHosts, s.LostAfter, s.StartTimeout = 10, time.Second, 3*time.Second
			run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(fleet.Addrs(), ""),
				Command: `echo before; if [ -n "$SLOW" ]; then exec sleep 300; fi; echo after`})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for o := range run.Outputs() {
				if n == 0 {
					// w1 runs one host at a time, in order: host 0 blocks it.
					if line, _ := firstLine(o); o.Index != 0 || line != "before" {
						t.Fatalf("first output: host %d, %q", o.Index, line)
					}
					if tc.another {
						c.worker("w2", "default", cfg, fast)
					}
					w1.Close()
				}
				n++
				r := result(t, o)
				var wl *pssh.WorkerLostError
				var ns *pssh.NotStartedError
				switch {
				case o.Index == 0:
					if !errors.As(o.Err(), &wl) || wl.Worker != "w1" {
						t.Errorf("host 0: %v, want a WorkerLostError naming w1", o.Err())
					}
				case tc.another:
					if r.Stdout != "before\nafter\n" || r.Code != 0 || r.Err != "" {
						t.Errorf("host %d: %+v, want it run by w2", o.Index, r)
					}
				default:
					if !errors.As(o.Err(), &ns) || !errors.Is(o.Err(), pssh.ErrNoWorker) || r.Stdout != "" {
						t.Errorf("host %d: %+v, want not started: no worker", o.Index, r)
					}
				}
			}
			if n != 3 {
				t.Errorf("%d outputs, want 3", n)
			}
		})
	}
}
