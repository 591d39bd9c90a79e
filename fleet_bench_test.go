package pssh_test

// BenchmarkFleet10k runs a short command on 10,000 hosts from one client:
// sshtest servers on 127.0.0.1 to 127.0.0.254 (one listen queue per
// address), in a child process (this test binary, re-executed) so that this
// process's CPU and memory are the client's alone. Run it alone:
//
//	go test -run XXX -bench Fleet10k -benchtime 1x
//
//	wall-s          Run and Join of every host
//	cpu-ms/host     client CPU (user+sys of this process) per host
//	heap-KiB/conn   Go heap and stacks in use after the run, with every connection
//	                kept open and idle, minus before New, per connection
//	rss-KiB/conn    the same in resident memory (after returning freed memory to the OS)
//	goroutines/conn goroutines per kept connection

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

const (
	// fleetHosts is how many hosts BenchmarkFleet10k runs on.
	fleetHosts = 10_000
	// fleetServers is how many servers stand in for them, one per loopback
	// address from 127.0.0.1: each serves fleetHosts/fleetServers host
	// entries (a host listed several times has a connection per entry).
	fleetServers = 254
	// fleetCommand is what every host runs.
	fleetCommand = "true"
	// fleetServerEnv, set in the environment of this test binary, makes it
	// serve a fleet for BenchmarkFleet10k instead of running tests: the
	// value is the client's authorized key.
	fleetServerEnv = "PSSH_BENCH_FLEET_AUTHORIZED_KEY"
	// fleetOutputEnv, set beside fleetServerEnv, makes every command of
	// the fleet print that many bytes of stdout instead of none.
	fleetOutputEnv = "PSSH_BENCH_FLEET_OUTPUT_BYTES"
	// fleetDelayEnv, set beside fleetServerEnv, gives every server of the
	// fleet a one-way delay (sshtest.Config.Delay), as a duration.
	fleetDelayEnv = "PSSH_BENCH_FLEET_DELAY"
	// fleetProfileEnv, set in the benchmark's environment, makes the
	// fleet's process write its CPU profile to that file.
	fleetProfileEnv = "PSSH_BENCH_FLEET_CPUPROFILE"
)

// fleetPattern is what the fleet's commands print, repeated.
var fleetPattern = []byte("0123456789abcdef")

// fleetServerConfig is the configuration of every server of the fleet.
// Commands are answered in process, as `true` would (exit 0, no output), or
// with output bytes of stdout as fast as the client takes them: forking a
// shell per command would make the servers, not the client, the bottleneck.
// delay is every connection's one-way delay.
func fleetServerConfig(key ssh.PublicKey, output int64, delay time.Duration) sshtest.Config {
	h := sshtest.Output(nil, nil, sshtest.Exit{})
	if output > 0 {
		h = sshtest.Repeat(fleetPattern, output)
	}
	return sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key}, Handler: h, Delay: delay}
}

// fleetInfo is what the fleet's process tells the benchmark.
type fleetInfo struct {
	Addrs      []string
	KnownHosts string
}

// serveFleet starts the fleet, prints its fleetInfo as one JSON line, and
// serves until stdin closes. Its commands print $fleetOutputEnv bytes, its
// connections are delayed by $fleetDelayEnv each way.
func serveFleet(authorizedKey string) int {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var output int64
	if v := os.Getenv(fleetOutputEnv); v != "" {
		if output, err = strconv.ParseInt(v, 10, 64); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	var delay time.Duration
	if v := os.Getenv(fleetDelayEnv); v != "" {
		if delay, err = time.ParseDuration(v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fleet, err := sshtest.NewFleet(fleetServers, fleetServerConfig(pub, output, delay))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer fleet.Close()
	if path := os.Getenv(fleetProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := json.NewEncoder(os.Stdout).Encode(fleetInfo{Addrs: fleet.Addrs(), KnownHosts: string(fleet.KnownHosts())}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// startFleetProcess starts the fleet in a child process accepting key,
// whose commands print output bytes each, and whose connections are
// delayed by delay each way (a round trip of twice delay).
func startFleetProcess(b *testing.B, key *sshtest.Key, output int64, delay time.Duration) fleetInfo {
	b.Helper()
	p := startHelper(b, fleetServerEnv+"="+strings.TrimSpace(string(key.AuthorizedKey())),
		fleetOutputEnv+"="+strconv.FormatInt(output, 10), fleetDelayEnv+"="+delay.String())
	var info fleetInfo
	if err := json.NewDecoder(p.out).Decode(&info); err != nil {
		b.Fatalf("fleet process: %v", err)
	}
	return info
}

// memInUse is the Go heap and stacks in use after a full collection.
func memInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// rss is this process's resident memory after returning freed memory to
// the OS, or 0 where /proc/self/statm is missing.
func rss() uint64 {
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// fleetClient returns n host entries spread over the fleet's servers, and
// a client configuration that logs in to them with key.
func fleetClient(b *testing.B, key *sshtest.Key, info fleetInfo, n int) ([]string, *pssh.Config) {
	b.Helper()
	knownHosts := filepath.Join(b.TempDir(), "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(info.KnownHosts), 0o600); err != nil {
		b.Fatal(err)
	}
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = info.Addrs[i%len(info.Addrs)]
	}
	return hosts, &pssh.Config{
		IgnoreSSHConfig: true,
		User:            "bench",
		Key:             key.PEM,
		NoAgent:         true,
		NoDefaultKeys:   true,
		KnownHostsFiles: []string{knownHosts},
		ConnectTimeout:  2 * time.Minute,
	}
}

func BenchmarkFleet10k(b *testing.B) {
	key, err := sshtest.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	info := startFleetProcess(b, key, 0, 0)
	hosts, cfg := fleetClient(b, key, info, fleetHosts)
	ctx := context.Background()
	for range b.N {
		heap0, rss0, gor0 := memInUse(), rss(), runtime.NumGoroutine()
		c, err := pssh.New(hosts, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if l := c.FileLimit(); !l.Fits() {
			b.Fatalf("open file limit too low for %d hosts: %+v", fleetHosts, l)
		}
		start, cpu0 := time.Now(), processCPU(b)
		fleetRunAll(b, ctx, c, fleetHosts, nil)
		wall, cpu := time.Since(start), processCPU(b)-cpu0
		heap1, rss1, gor1 := memInUse(), rss(), runtime.NumGoroutine()
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(cpu.Microseconds())/1e3/fleetHosts, "cpu-ms/host")
		b.ReportMetric(float64(heap1-heap0)/1024/fleetHosts, "heap-KiB/conn")
		b.ReportMetric(float64(rss1-rss0)/1024/fleetHosts, "rss-KiB/conn")
		b.ReportMetric(float64(gor1-gor0)/fleetHosts, "goroutines/conn")
		b.ReportMetric(0, "ns/op")
		runtime.KeepAlive(c)
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
