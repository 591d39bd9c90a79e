package cluster_test

import (
	"os"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/internal/opensshd"
)

// Through two workers, a real sshd's hosts end as in a direct run: output
// byte for byte, exit status, death by a signal, and an authentication
// failure's error, word for word.
func TestOpenSSHClusterMatchesDirectRun(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	user := s.User
	if os.Getuid() == 0 {
		user, _ = opensshd.EnsureTestUser(t)
	}
	cfg := &pssh.Config{
		IgnoreSSHConfig: true,
		User:            user,
		KeyFile:         s.ClientKeyFile,
		NoAgent:         true,
		NoDefaultKeys:   true,
		KnownHostsFiles: []string{s.KnownHostsFile},
		ConnectTimeout:  20 * time.Second,
	}
	hosts := append(append([]string{}, s.Addrs...), "nosuchuser-pssh@"+s.Addrs[0])
	c := newCluster(t)
	c.worker("w1", "default", cfg, nil)
	c.worker("w2", "default", cfg, nil)
	for _, command := range []string{
		`printf 'x\0y'; seq 1 30000 >&2; exit 7`,
		`kill -KILL $$`,
	} {
		opt := &pssh.RunOptions{HostTimeout: time.Minute}
		want := direct(t, hosts, cfg, command, opt)
		run, err := c.submitter(c.key).Submit(ctxT(t), &cluster.Job{Hosts: jobHosts(hosts, ""), Command: command, Options: *opt})
		if err != nil {
			t.Fatal(err)
		}
		got := collect(t, run)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%q host %d:\n got %+v\nwant %+v", command, i, abbrev(got[i]), abbrev(want[i]))
			}
		}
		if want[2].Kind != pssh.FailureAuthentication {
			t.Errorf("the unknown user's host: %v, want an authentication failure", want[2].Kind)
		}
	}
}
