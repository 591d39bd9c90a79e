package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// cliFault is one kind of host of TestFaultFleet: what its server does
// wrong, and what pssh must report for it.
type cliFault struct {
	name   string
	faults sshtest.Faults
	// output is what the host's command writes, given its index; nil for
	// hosts whose command never runs.
	output func(i int) []byte
	// handler makes the command behave; default: write output, exit 0.
	handler func(out []byte) sshtest.Handler
	kind    string // the --json error kind, "" for none
	signal  string // the --json signal
	// file says how the -o file relates to output: "exact", "prefix"
	// (cut short by the fault) or "" (no command ran: the file is empty).
	file string
	// reason is the default view's FAILURE reason; "" for SUCCESS, "*"
	// for any (a connection closed at once is seen as a reset or an EOF,
	// as the client's version string was read or not).
	reason string
}

// faultTimeout is -t for the fault fleet, and faultTimedOut the status of
// a host it stops.
const (
	faultTimeout  = 7 // seconds: below --connect-timeout's default (10), and a healthy host on a busy machine is well within it
	faultTimedOut = "timed out after 7s (-t 7)"
)

var cliFaults = []cliFault{
	{name: "refused", reason: "*", faults: sshtest.Faults{Refuse: true}, kind: "connection"},
	{name: "no banner", reason: faultTimedOut, faults: sshtest.Faults{NoBanner: true}, kind: "timeout"},
	{name: "garbage banner", reason: "not an SSH server", faults: sshtest.Faults{GarbageBanner: true}, kind: "connection"},
	{name: "endless garbage", reason: "not an SSH server", faults: sshtest.Faults{EndlessGarbage: true}, kind: "connection"},
	{name: "stalled kex", reason: faultTimedOut, faults: sshtest.Faults{StallKex: true}, kind: "timeout"},
	{name: "rejected auth", reason: "authentication failed", faults: sshtest.Faults{RejectAuth: true}, kind: "authentication"},
	{name: "hung exec", reason: faultTimedOut, faults: sshtest.Faults{HangExec: true}, kind: "timeout"},
	{name: "dropped mid-output", reason: "connection lost", faults: sshtest.Faults{DropAfter: 50 << 10}, kind: "connection", file: "prefix",
		output: func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "drop %d\n", i), 1<<20/8) }},
	{name: "no newline", file: "exact",
		output: func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "<%d no newline>", i), 1<<20/16) }},
	{name: "binary", file: "exact",
		output: func(i int) []byte {
			b := fmt.Appendf(nil, "%d\xff\xfe\xc3\x28\x00", i)
			for c := range 256 {
				b = append(b, byte(c))
			}
			return b
		}},
	{name: "killed by signal", reason: "killed by signal KILL", signal: "KILL", file: "exact",
		output:  func(i int) []byte { return fmt.Appendf(nil, "host %d dies\n", i) },
		handler: func(out []byte) sshtest.Handler { return sshtest.Output(out, nil, sshtest.Exit{Signal: "KILL"}) }},
	{name: "never exits", reason: faultTimedOut, kind: "timeout", file: "exact",
		output:  func(i int) []byte { return fmt.Appendf(nil, "host %d hangs\n", i) },
		handler: sshtest.Hang},
	{name: "slow output", faults: sshtest.Faults{SlowOutput: 100 * time.Millisecond}, file: "exact",
		output: func(i int) []byte { return fmt.Appendf(nil, "s%d\n", i) }},
}

// goodOutput is what healthy host i writes, its own for each host.
func goodOutput(i int) []byte {
	var b bytes.Buffer
	for l := range 1 + i%4 {
		fmt.Fprintf(&b, "host %d line %d\n", i, l)
	}
	return b.Bytes()
}

// TestFaultFleet runs pssh on 100 hosts, 30 of them faulty in every way
// sshtest can be, and checks each host's --json line, its -o file, and
// the exit status.
func TestFaultFleet(t *testing.T) {
	const n = 100
	key := clientKey(t)
	// Host i is faulty when i%10 < 3, with fault number faultOf[i].
	faultOf := make([]int, n)
	for i, k := 0, 0; i < n; i++ {
		faultOf[i] = -1
		if i%10 < 3 {
			faultOf[i] = k % len(cliFaults)
			k++
		}
	}
	fleet, err := sshtest.NewFleetFunc(n, func(i int) sshtest.Config {
		cfg := sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}}
		if faultOf[i] < 0 {
			cfg.Handler = sshtest.Output(goodOutput(i), []byte("err "+strconv.Itoa(i)), sshtest.Exit{Code: i % 3})
			return cfg
		}
		f := cliFaults[faultOf[i]]
		cfg.Faults = f.faults
		var out []byte
		if f.output != nil {
			out = f.output(i)
		}
		cfg.Handler = sshtest.Output(out, nil, sshtest.Exit{})
		if f.handler != nil {
			cfg.Handler = f.handler(out)
		}
		return cfg
	})
	if err != nil {
		t.Fatal(err)
	}
	b := bedFor(t, fleet)
	outDir := filepath.Join(b.dir, "out")
	const timeout = faultTimeout
	// -p 32, not the default (all 100 at once): the fleet's servers live
	// in this race-instrumented test process, and inside the whole suite
	// on two busy cores, 100 key exchanges started together outlasted
	// -t 5 for every healthy host. -t counts from a host's start, so at
	// -p 32 it measures the host, not the queue (and at -t 5 one healthy
	// host of 70 still ran out of time once: hence 7).
	par := []string{"-p", "32", "-t", strconv.Itoa(timeout)}
	r := runPssh(t, append(b.flags(), append(par, "--json", "-o", outDir, "the command")...)...)
	// Timed-out and killed hosts are the worst outcome.
	wantCode(t, r, exitKilled)
	if limit := (timeout + 30) * time.Second; r.took > limit {
		t.Errorf("pssh took %v, want at most %v", r.took, limit)
	}

	seen := make([]bool, n)
	counts := map[string]int{}
	for _, line := range lines(r.stdout) {
		var j jsonHost
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("bad --json line %q: %v", line, err)
		}
		if j.Index < 0 || j.Index >= n || seen[j.Index] {
			t.Fatalf("index %d out of range or twice", j.Index)
		}
		seen[j.Index] = true
		i := j.Index
		name := fleet.Servers[i].Addr
		file, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Errorf("host %d: %v", i, err)
		}
		kind := ""
		if j.Error != nil {
			kind = j.Error.Kind
		}
		if faultOf[i] < 0 {
			counts["good"]++
			want := goodOutput(i)
			if kind != "" || j.ExitCode == nil || *j.ExitCode != i%3 || j.Stdout != string(want) || j.Stderr != "err "+strconv.Itoa(i) || !bytes.Equal(file, want) {
				t.Errorf("good host %d: %s\n-o file %q", i, line, file)
			}
			continue
		}
		f := cliFaults[faultOf[i]]
		counts[f.name]++
		var want []byte
		if f.output != nil {
			want = f.output(i)
		}
		var fileOK bool
		switch f.file {
		case "exact":
			fileOK = bytes.Equal(file, want)
		case "prefix":
			fileOK = len(file) < len(want) && bytes.HasPrefix(want, file)
		default:
			fileOK = len(file) == 0
		}
		if !fileOK {
			t.Errorf("host %d (%s): -o file of %d bytes, want %s of %d bytes", i, f.name, len(file), f.file, len(want))
		}
		exitOK := j.ExitCode == nil
		if f.kind == "" && f.signal == "" {
			exitOK = j.ExitCode != nil && *j.ExitCode == 0
		}
		if kind != f.kind || j.Signal != f.signal || !exitOK {
			t.Errorf("host %d (%s): error kind %q, signal %q, exit code %v; want %q, %q, exit code only without error or signal",
				i, f.name, kind, j.Signal, j.ExitCode, f.kind, f.signal)
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("host %d has no --json line", i)
		}
	}
	planned := map[string]int{}
	for _, k := range faultOf {
		if k < 0 {
			planned["good"]++
		} else {
			planned[cliFaults[k].name]++
		}
	}
	if !maps.Equal(counts, planned) {
		t.Errorf("hosts reported per kind %v, want %v", counts, planned)
	}
	t.Logf("%d hosts through pssh --json -o in %v: %v", n, r.took.Round(time.Millisecond), counts)

	// The default view says why each host failed.
	r = runPssh(t, append(b.flags(), append(par, "the command")...)...)
	wantCode(t, r, exitKilled)
	st := statuses(t, r.stdout)
	for i, srv := range fleet.Servers {
		s, ok := st[srv.Addr]
		want := "exited " + strconv.Itoa(i%3)
		if faultOf[i] >= 0 {
			want = cliFaults[faultOf[i]].reason
		}
		switch {
		case !ok:
			t.Errorf("host %d: no status line", i)
		case want == "exited 0" || want == "":
			if !s.ok {
				t.Errorf("host %d: %+v, want SUCCESS", i, s)
			}
		case want == "*":
			if s.ok || s.reason == "" {
				t.Errorf("host %d: %+v, want FAILURE with a reason", i, s)
			}
		case s.ok || s.reason != want:
			t.Errorf("host %d: %+v, want FAILURE %q", i, s, want)
		}
	}
}
