package pssh_test

// BenchmarkCluster runs `true` on 10,000 or 50,000 hosts directly (every
// host at once, as Client.Run; and "direct-p64", 64 commands at a time, as
// one worker runs them and as the command line's -p) and through 1, 2 and
// 4 workers of package cluster, each piece in a process
// of its own so that each one's memory is its own: the sshtest fleet (254
// servers, as BenchmarkFleet10k's), the embedded NATS server (StartLocal),
// and each worker are this test binary re-executed; the submitter (or the
// direct client) is this process. Run one case at a time, on a quiet
// machine:
//
//	go test -run XXX -bench 'Cluster/hosts=10000/direct$' -benchtime 1x
//	go test -run XXX -bench 'Cluster/hosts=10000/workers=4' -benchtime 1x
//	go test -run XXX -bench 'Cluster/hosts=50000/workers=1' -benchtime 1x -timeout 30m
//
// (the direct case at 50,000 needs 50,000 open files in this process and as
// many in the fleet's: it is skipped when ulimit -n is lower). It reports:
//
//	wall-s            Submit (or Run) until every host ended
//	submitter-MiB     peak RSS of this process during the run (VmHWM, reset first)
//	worker-MiB        peak RSS of the largest worker process
//	worker-cpu-ms/host CPU of all the worker processes per host
//	nats-MiB          RSS of the NATS server process after the run
//	cpu-ms/host       this process's CPU per host
//	events/host       messages of the events stream per host, and their bytes (events-B/host)
//	claims/host       entries of the claims bucket per host, and their bytes (claims-B/host)
//
// The overhead of the workers is wall-s through them against the direct
// case's, at the same number of hosts.

import (
	"bufio"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

const (
	// clusterNATSEnv, set in the environment of this test binary, makes
	// it serve an embedded NATS server (cluster.StartLocal) in the
	// directory it names, trusting the submitter key of
	// clusterTrustEnv, until its stdin closes.
	clusterNATSEnv  = "PSSH_BENCH_CLUSTER_NATS_DIR"
	clusterTrustEnv = "PSSH_BENCH_CLUSTER_TRUST"
	// clusterWorkerEnv makes it serve as a worker, configured by the
	// JSON of a benchWorker, until its stdin closes.
	clusterWorkerEnv = "PSSH_BENCH_CLUSTER_WORKER"
)

// benchWorker is how a worker process of BenchmarkCluster is set up.
type benchWorker struct {
	Name, URL, Creds, Trusted string
	KeyFile, KnownHosts, User string
	Par                       int
}

// serveClusterNATS is the NATS server process: it prints the server's
// URL and credentials file as one JSON line and serves until stdin closes.
func serveClusterNATS(dir string) int {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(os.Getenv(clusterTrustEnv)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := cluster.StartLocal(dir, 0, pub)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	json.NewEncoder(os.Stdout).Encode(benchWorker{URL: l.URL, Creds: l.CredsFile, Trusted: l.TrustedFile})
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// serveClusterWorker is a worker process: it serves site "default" as
// the JSON cfg says, says "ready" once it takes work, and stops when
// stdin closes.
func serveClusterWorker(cfg string) int {
	var c benchWorker
	if err := json.Unmarshal([]byte(cfg), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	key, err := os.ReadFile(c.KeyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	trusted, err := cluster.LoadTrusted(c.Trusted)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	nc, err := cluster.Connect(c.URL, cluster.ConnectOptions{Name: c.Name, Creds: c.Creds})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	w := &cluster.Worker{Conn: nc, Name: c.Name, Trusted: trusted, Par: c.Par,
		Config: &pssh.Config{IgnoreSSHConfig: true, User: c.User, Key: key, NoAgent: true, NoDefaultKeys: true,
			KnownHostsFiles: []string{c.KnownHosts}, ConnectTimeout: 2 * time.Minute},
		Log: func(format string, args ...any) { fmt.Fprintf(os.Stderr, c.Name+": "+format+"\n", args...) }}
	fmt.Println("ready")
	if err := w.Serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helper is a child process of BenchmarkCluster: this binary re-executed.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startHelper starts this binary with env added, until the benchmark ends.
func startHelper(b *testing.B, env ...string) *helper {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	b.Cleanup(h.stop)
	return h
}

// stop closes the helper's stdin and waits for it to exit.
func (h *helper) stop() {
	h.stdin.Close()
	h.cmd.Wait()
}

// procKiB is field (VmHWM: peak, VmRSS: now) of /proc/PID/status, in KiB.
func procKiB(pid, field string) float64 {
	data, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return n
		}
	}
	return 0
}

// procCPU is the user and system CPU time process pid has used, from
// /proc/PID/stat (in clock ticks of 1/100 s, as on Linux everywhere).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which is in parentheses.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// resetPeakRSS makes VmHWM of this process start again from its RSS now.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func BenchmarkCluster(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		for _, workers := range []int{0, -1, 1, 2, 4} {
			name := fmt.Sprintf("hosts=%d/workers=%d", n, workers)
			switch workers {
			case 0:
				name = fmt.Sprintf("hosts=%d/direct", n)
			case -1:
				name = fmt.Sprintf("hosts=%d/direct-p64", n)
			}
			b.Run(name, func(b *testing.B) { benchCluster(b, n, workers) })
		}
	}
}

func benchCluster(b *testing.B, n, workers int) {
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if workers <= 0 && lim.Cur < uint64(n)+1000 {
		b.Skipf("a direct run of %d hosts keeps %d connections open: ulimit -n is %d", n, n, lim.Cur)
	}
	key, err := sshtest.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	info := startFleetProcess(b, key, 0, 0)
	hosts, cfg := fleetClient(b, key, info, n)
	ctx := context.Background()
	check := func(outs []*pssh.HostOutput) {
		b.Helper()
		failed := map[string]int{}
		for _, o := range outs {
			if code, has := o.ExitCode(); !has || code != 0 || o.Err() != nil {
				failed[fmt.Sprintf("exit %d %t, %v", code, has, o.Err())]++
			}
		}
		if len(outs) != n || len(failed) > 0 {
			b.Fatalf("%d outputs of %d hosts; failures: %v", len(outs), n, failed)
		}
	}
	report := func(wall, cpu time.Duration) {
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(procKiB("self", "VmHWM")/1024, "submitter-MiB")
		b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(n), "cpu-ms/host")
		b.ReportMetric(0, "ns/op")
	}
	if workers <= 0 {
		opt := &pssh.RunOptions{ContinueOnErrors: true}
		if workers < 0 {
			// As one worker runs them (Par 32, two items at once), and
			// the command line's -p: 64 commands at a time.
			opt.Rollout = &pssh.Rollout{Running: 2 * cluster.DefaultWorkerPar}
		}
		for range b.N {
			c, err := pssh.New(hosts, cfg)
			if err != nil {
				b.Fatal(err)
			}
			resetPeakRSS()
			start, cpu0 := time.Now(), processCPU(b)
			outs, err := c.Run(ctx, fleetCommand, opt)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Join(ctx, outs, &pssh.JoinOptions{ConsumeOutput: true}); err != nil {
				b.Fatal(err)
			}
			report(time.Since(start), processCPU(b)-cpu0)
			check(outs)
			c.Close()
		}
		return
	}

	// The submitter's key, trusted by the workers.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	nats := startHelper(b, clusterNATSEnv+"="+b.TempDir(), clusterTrustEnv+"="+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))))
	var bus benchWorker
	if err := json.NewDecoder(nats.out).Decode(&bus); err != nil {
		b.Fatalf("NATS process: %v", err)
	}
	keyFile := filepath.Join(b.TempDir(), "key")
	if err := os.WriteFile(keyFile, key.PEM, 0o600); err != nil {
		b.Fatal(err)
	}
	var procs []*helper
	for w := range workers {
		wcfg := bus
		wcfg.Name, wcfg.KeyFile, wcfg.KnownHosts, wcfg.User = fmt.Sprintf("w%d", w+1), keyFile, cfg.KnownHostsFiles[0], cfg.User
		wcfg.Par = cmp.Or(benchWorkerPar(), cluster.DefaultWorkerPar)
		data, _ := json.Marshal(wcfg)
		p := startHelper(b, clusterWorkerEnv+"="+string(data))
		if line, err := p.out.ReadString('\n'); err != nil || line != "ready\n" {
			b.Fatalf("worker %d: %q %v", w+1, line, err)
		}
		procs = append(procs, p)
	}
	nc, err := cluster.Connect(bus.URL, cluster.ConnectOptions{Name: "submitter", Creds: bus.Creds})
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	job := &cluster.Job{Command: fleetCommand, Hosts: make([]cluster.Host, n)}
	for i, h := range hosts {
		job.Hosts[i] = cluster.Host{Name: h}
	}
	s := &cluster.Submitter{Conn: nc, Key: signer, ItemHosts: benchItemHosts()}
	for range b.N {
		resetPeakRSS()
		start, cpu0 := time.Now(), processCPU(b)
		run, err := s.Submit(ctx, job)
		if err != nil {
			b.Fatal(err)
		}
		var outs []*pssh.HostOutput
		for o := range run.Outputs() {
			outs = append(outs, o)
		}
		if err := run.Wait(ctx); err != nil {
			b.Fatal(err)
		}
		report(time.Since(start), processCPU(b)-cpu0)
		check(outs)
	}
	// What the bus holds of the runs: their events, and the claims.
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range []struct{ stream, unit string }{{"pssh_EVENTS", "events"}, {"KV_pssh_runs", "claims"}} {
		if str, err := js.Stream(ctx, st.stream); err == nil {
			if info, err := str.Info(ctx); err == nil {
				per := float64(n * b.N)
				b.ReportMetric(float64(info.State.Msgs)/per, st.unit+"/host")
				b.ReportMetric(float64(info.State.Bytes)/per, st.unit+"-B/host")
			}
		}
	}
	var worst float64
	var cpu time.Duration
	for _, p := range procs {
		worst = max(worst, procKiB(strconv.Itoa(p.cmd.Process.Pid), "VmHWM"))
		cpu += procCPU(p.cmd.Process.Pid)
	}
	b.ReportMetric(worst/1024, "worker-MiB")
	b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(n*b.N), "worker-cpu-ms/host")
	b.ReportMetric(procKiB(strconv.Itoa(nats.cmd.Process.Pid), "VmRSS")/1024, "nats-MiB")
}

// benchWorkerPar and benchItemHosts read PSSH_BENCH_WORKER_PAR and
// PSSH_BENCH_ITEM_HOSTS, to try other settings than the defaults (0:
// the default).
func benchWorkerPar() int { n, _ := strconv.Atoi(os.Getenv("PSSH_BENCH_WORKER_PAR")); return n }
func benchItemHosts() int { n, _ := strconv.Atoi(os.Getenv("PSSH_BENCH_ITEM_HOSTS")); return n }
