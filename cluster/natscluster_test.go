package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// natsCluster is three nats-server processes in one cluster.
type natsCluster struct {
	urls  string
	creds string
	nodes []*exec.Cmd
}

// startNATSCluster builds testdata/natsnode and starts three nodes of one
// cluster on 127.0.0.1, admitting one user nkey.
func startNATSCluster(t *testing.T) *natsCluster {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "natsnode")
	build := exec.Command("go", "build", "-o", bin, "./testdata/natsnode")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("building natsnode: %v", err)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	pub, _ := user.PublicKey()
	c := &natsCluster{creds: filepath.Join(dir, "user.nk")}
	if err := os.WriteFile(c.creds, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 6)
	var routes, urls []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[3+i]))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	c.urls = strings.Join(urls, ",")
	for i := range 3 {
		cmd := exec.Command(bin, "-name", fmt.Sprintf("n%d", i+1), "-port", fmt.Sprint(ports[i]), "-cluster-port", fmt.Sprint(ports[3+i]),
			"-routes", strings.Join(routes, ","), "-dir", filepath.Join(dir, fmt.Sprintf("js%d", i+1)), "-nkey", pub)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			t.Fatalf("node %d: %q", i+1, line)
		}
		c.nodes = append(c.nodes, cmd)
	}
	// JetStream answers once the nodes have elected a meta leader.
	nc, err := cluster.Connect(c.urls, cluster.ConnectOptions{Creds: c.creds})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "ready", Subjects: []string{"ready"}, Replicas: 3})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the NATS cluster has no JetStream after 60s: %v", err)
		}
	}
	return c
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// Three workers in two sites on a 3-node NATS cluster (streams with three
// replicas), each site's hosts reachable by its own workers only (each
// site's servers accept only its workers' key): every host ends as in a
// direct run; then again with one NATS node killed mid-run, which loses
// nothing.
func TestNATSCluster(t *testing.T) {
	nc := startNATSCluster(t)
	key := newKey(t)
	fleets := map[string]*sshtest.Fleet{"east": sshtest.StartFleet(t, 2, sshtest.Config{}), "west": sshtest.StartFleet(t, 2, sshtest.Config{})}
	workers := []struct{ name, site string }{{"east1", "east"}, {"east2", "east"}, {"west1", "west"}}
	for _, w := range workers {
		conn, err := cluster.Connect(nc.urls, cluster.ConnectOptions{Creds: nc.creds, Name: w.name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		worker := &cluster.Worker{Conn: conn, Site: w.site, Name: w.name, Config: fleets[w.site].ClientConfig(), Replicas: 3,
			Trusted: cluster.TrustKeys(key.PublicKey()), Log: func(f string, a ...any) { t.Logf(w.name+": "+f, a...) }}
		go func() { served <- worker.Serve(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-served; err != nil {
				t.Errorf("%s: %v", w.name, err)
			}
		})
	}
	var hosts []cluster.Host
	for _, site := range []string{"east", "west"} {
		for _, a := range fleets[site].Addrs() {
			hosts = append(hosts, cluster.Host{Name: a, Site: site})
		}
	}
	command := `echo started; seq 1 30000; echo e >&2; exit 4`

	conn, err := cluster.Connect(nc.urls, cluster.ConnectOptions{Creds: nc.creds, Name: "submitter"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	s := &cluster.Submitter{Conn: conn, Key: key, Replicas: 3, ItemHosts: 1, LostAfter: 30 * time.Second}
	compare := func(name, command string, mid func()) {
		begin := time.Now()
		run, err := s.Submit(ctxT(t), &cluster.Job{Hosts: hosts, Command: command})
		if err != nil {
			t.Fatal(err)
		}
		outs := make(chan *pssh.HostOutput, len(hosts))
		go func() {
			first := true
			for o := range run.Outputs() {
				if first && mid != nil {
					mid()
				}
				first = false
				outs <- o
			}
			close(outs)
		}()
		got := make([]hostResult, len(hosts))
		for o := range outs {
			got[o.Index] = result(t, o)
		}
		if err := run.Wait(ctxT(t)); err != nil {
			t.Errorf("%s: run: %v", name, err)
		}
		t.Logf("%s: %v", name, time.Since(begin))
		for i, h := range hosts {
			want := direct(t, []string{h.Name}, fleets[h.Site].ClientConfig(), command, &pssh.RunOptions{})[0]
			if got[i] != want {
				t.Errorf("%s: %s (%s):\n got %+v\nwant %+v", name, h.Name, h.Site, abbrev(got[i]), abbrev(want))
			}
		}
	}
	compare("all nodes up", command, nil)
	if os.Getenv("PSSH_TEST_NATS_FAILOVER") == "" {
		// Under the whole suite's load on two cores, a worker's beats
		// can stay stuck past LostAfter while the cluster elects new
		// leaders, and its host ends worker_lost: .ci/run runs this part
		// on its own, after the suite.
		t.Log("a node killed: run with PSSH_TEST_NATS_FAILOVER=1 (CI runs it alone)")
		return
	}
	// The node the submitter reads the events from.
	compare("a node killed", `echo started; sleep 2; seq 1 30000; echo e >&2; exit 4`, func() {
		var n int
		if _, err := fmt.Sscanf(conn.ConnectedServerName(), "n%d", &n); err != nil || n < 1 || n > 3 {
			t.Errorf("connected to %q", conn.ConnectedServerName())
			n = 1
		}
		t.Logf("killing node n%d", n)
		nc.nodes[n-1].Process.Kill()
	})
}
