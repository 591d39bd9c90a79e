package cluster_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
)

// testCluster is an embedded server, a submitter key, and the workers a
// test starts.
type testCluster struct {
	t      *testing.T
	local  *cluster.Local
	key    ssh.Signer
	mu     sync.Mutex
	logged []string // what the workers logged
}

// newCluster starts an embedded server for the test, trusting a new
// submitter key.
func newCluster(t *testing.T) *testCluster {
	t.Helper()
	key := newKey(t)
	l, err := cluster.StartLocal(t.TempDir(), 0, key.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return &testCluster{t: t, local: l, key: key}
}

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// connect opens a connection to the server, closed when the test ends.
func (c *testCluster) connect(name string) *nats.Conn {
	c.t.Helper()
	o := c.local.ConnectOptions()
	o.Name = name
	nc, err := cluster.Connect(c.local.URL, o)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	return nc
}

// worker starts a worker serving site with cfg until the test ends (or
// stop is called); it trusts the cluster's submitter key.
func (c *testCluster) worker(name, site string, cfg *pssh.Config, tune func(*cluster.Worker)) (stop func(), nc *nats.Conn) {
	c.t.Helper()
	nc = c.connect(name)
	trusted, err := cluster.LoadTrusted(c.local.TrustedFile)
	if err != nil {
		c.t.Fatal(err)
	}
	w := &cluster.Worker{Conn: nc, Site: site, Name: name, Config: cfg, Trusted: trusted, Par: 4,
		Log: func(format string, args ...any) {
			c.mu.Lock()
			c.logged = append(c.logged, name+": "+format)
			c.mu.Unlock()
			c.t.Logf(name+": "+format, args...)
		}}
	if tune != nil {
		tune(w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				c.t.Errorf("worker %s: %v", name, err)
			}
		})
	}
	c.t.Cleanup(stop)
	return stop, nc
}

// submitter returns a submitter signing with key.
func (c *testCluster) submitter(key ssh.Signer) *cluster.Submitter {
	return &cluster.Submitter{Conn: c.connect("submitter"), Key: key, ItemHosts: 2}
}

// hostResult is what a run left of one host, to compare.
type hostResult struct {
	Host           string
	Stdout, Stderr string
	Code           int
	HasCode        bool
	Signal         string
	Kind           pssh.FailureKind
	Err            string
}

// result reads one output to its end.
func result(t *testing.T, o *pssh.HostOutput) hostResult {
	t.Helper()
	var stdout, stderr []byte
	var wg sync.WaitGroup
	wg.Go(func() { stdout, _ = io.ReadAll(o.Stdout) })
	wg.Go(func() { stderr, _ = io.ReadAll(o.Stderr) })
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := o.Wait(ctx); errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: not finished", o.Host)
	}
	r := hostResult{Host: o.Host, Stdout: string(stdout), Stderr: string(stderr), Signal: o.ExitSignal(), Kind: o.Failure()}
	r.Code, r.HasCode = o.ExitCode()
	if err := o.Err(); err != nil {
		r.Err = err.Error()
	}
	return r
}

// collect reads every output of a run, by host index.
func collect(t *testing.T, run *cluster.Run) []hostResult {
	t.Helper()
	res := make([]hostResult, run.Len())
	seen := make([]bool, run.Len())
	var mu sync.Mutex
	var wg sync.WaitGroup
	for o := range run.Outputs() {
		if seen[o.Index] {
			t.Errorf("%s yielded twice", o.Host)
		}
		seen[o.Index] = true
		wg.Go(func() {
			r := result(t, o)
			mu.Lock()
			res[o.Index] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run.Wait(ctx); err != nil {
		t.Errorf("run: %v", err)
	}
	return res
}

// direct runs command on hosts with a direct client, as the workers would.
func direct(t *testing.T, hosts []string, cfg *pssh.Config, command string, opt *pssh.RunOptions) []hostResult {
	t.Helper()
	c, err := pssh.New(hosts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := *opt
	o.ContinueOnErrors = true
	outs, err := c.Run(context.Background(), command, &o)
	if err != nil {
		t.Fatal(err)
	}
	res := make([]hostResult, len(outs))
	for i, out := range outs {
		res[i] = result(t, out)
	}
	// A rollout's last batch report is in once Join returns.
	if err := c.Join(context.Background(), outs, nil); err != nil {
		t.Fatal(err)
	}
	return res
}

func jobHosts(hosts []string, site string) []cluster.Host {
	out := make([]cluster.Host, len(hosts))
	for i, h := range hosts {
		out[i] = cluster.Host{Name: h, Site: site}
	}
	return out
}
