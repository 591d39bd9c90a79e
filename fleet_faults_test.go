package pssh_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// faultKind is what is wrong with a host of the fault fleet, and so what its
// HostOutput must show.
type faultKind int

const (
	good faultKind = iota
	refused
	noBanner
	garbageBanner
	endlessGarbage
	stallKex
	rejectAuth
	hangExec
	dropMidOutput
	noNewline
	binaryOutput
	killedBySignal
	neverExits
	slowOutput
	numFaultKinds
)

var faultNames = [numFaultKinds]string{
	"good", "refused", "no banner", "garbage banner", "endless garbage", "stalled kex",
	"rejected auth", "hung exec", "dropped mid-output", "no newline", "binary output",
	"killed by signal", "never exits", "slow output",
}

func (k faultKind) String() string { return faultNames[k] }

const (
	// fleetSize is the number of hosts of TestFleetFaults.
	fleetSize = 1000
	// slowDelay is the SlowOutput fault's delay per byte: a byte per 100 ms.
	slowDelay = 100 * time.Millisecond
	// dropAfter is where the DropAfter hosts lose their connection, in a
	// 1 MiB output.
	dropAfter = 100 << 10
)

// faultFleetPlan gives each of n hosts its fault: 30 % of the hosts carry
// one, spread evenly over every kind. The last host is the no-newline host
// with the big output (see bigNoNewline), so that its transfer does not
// compete with the storm of handshakes at the start for the host timeout;
// the other no-newline hosts send 1 MiB each.
func faultFleetPlan(n int) []faultKind {
	plan := make([]faultKind, n)
	faulty := 0
	for i := range n {
		if i%10 < 3 {
			plan[i] = faultKind(1 + faulty%int(numFaultKinds-1))
			faulty++
		}
	}
	if n > 0 {
		i := slices.Index(plan, noNewline)
		plan[n-1], plan[i] = plan[i], plan[n-1]
	}
	return plan
}

// faultFaults returns the server faults of a host of kind k.
func faultFaults(k faultKind) sshtest.Faults {
	switch k {
	case refused:
		return sshtest.Faults{Refuse: true}
	case noBanner:
		return sshtest.Faults{NoBanner: true}
	case garbageBanner:
		return sshtest.Faults{GarbageBanner: true}
	case endlessGarbage:
		return sshtest.Faults{EndlessGarbage: true}
	case stallKex:
		return sshtest.Faults{StallKex: true}
	case rejectAuth:
		return sshtest.Faults{RejectAuth: true}
	case hangExec:
		return sshtest.Faults{HangExec: true}
	case dropMidOutput:
		return sshtest.Faults{DropAfter: dropAfter}
	case slowOutput:
		return sshtest.Faults{SlowOutput: slowDelay}
	}
	return sshtest.Faults{}
}

// expected is what one host's command writes when it runs to its end.
type expected struct {
	stdout, stderr []byte // nil for big outputs, checked by size and sum only
	size           int64
	sum            [32]byte
	code           int
	signal         string
}

// faultOutput is what host i of kind k writes; each host's content is its own.
func faultOutput(k faultKind, i int) expected {
	var e expected
	switch k {
	case noNewline:
		e.size = 1 << 20
		if i == fleetSize-1 {
			e.size = bigNoNewline
		}
		e.sum = repeatSum(noNewlinePattern(i), e.size)
		return e
	case dropMidOutput:
		e.stdout = bytes.Repeat([]byte(fmt.Sprintf("drop %d\n", i)), 1<<20/8)
	case binaryOutput:
		for b := range 256 {
			e.stdout = append(e.stdout, byte(b), byte(i))
		}
		e.stdout = append(e.stdout, "\xff\xfe\xc3\x28 invalid UTF-8 \xe2\x82\x00\xf0\x28\x8c\xbc"...)
		e.stdout = strconv.AppendInt(e.stdout, int64(i), 10)
		e.stderr = []byte("\x00\x01 binary stderr\xff")
	case killedBySignal:
		e.stdout = []byte(fmt.Sprintf("host %d about to die\n", i))
		e.signal = "KILL"
	case neverExits:
		e.stdout = []byte(fmt.Sprintf("host %d hangs\n", i))
	case slowOutput:
		e.stdout = []byte(fmt.Sprintf("s%d\n", i))
		e.stderr = []byte("e")
	default:
		var b bytes.Buffer
		for l := range 1 + i%5 {
			fmt.Fprintf(&b, "host %d line %d\n", i, l)
		}
		e.stdout = b.Bytes()
		e.stderr = []byte(fmt.Sprintf("host %d stderr\n", i))
		e.code = i % 4
	}
	e.size = int64(len(e.stdout))
	e.sum = sha256.Sum256(e.stdout)
	return e
}

func noNewlinePattern(i int) []byte { return []byte(fmt.Sprintf("<host %d no newline>", i)) }

// repeatSum is the SHA-256 of size bytes of pattern repeated.
func repeatSum(pattern []byte, size int64) [32]byte {
	h := sha256.New()
	chunk := bytes.Repeat(pattern, 32<<10/len(pattern))
	for left := size; left > 0; {
		n := min(int64(len(chunk)), left)
		h.Write(chunk[:n])
		left -= n
	}
	return [32]byte(h.Sum(nil))
}

// faultHandler runs the fleet's commands: "KIND INDEX", with KIND a
// faultKind number.
func faultHandler(ctx context.Context, e *sshtest.Exec) sshtest.Exit {
	kindStr, indexStr, _ := strings.Cut(e.Command, " ")
	kind, err1 := strconv.Atoi(kindStr)
	i, err2 := strconv.Atoi(indexStr)
	if err1 != nil || err2 != nil || kind < 0 || kind >= int(numFaultKinds) {
		fmt.Fprintf(e.Stderr, "bad command %q\n", e.Command)
		return sshtest.Exit{Code: 127}
	}
	k := faultKind(kind)
	want := faultOutput(k, i)
	switch k {
	case noNewline:
		return sshtest.Repeat(noNewlinePattern(i), want.size)(ctx, e)
	case neverExits:
		return sshtest.Hang(want.stdout)(ctx, e)
	}
	return sshtest.Output(want.stdout, want.stderr, sshtest.Exit{Code: want.code, Signal: want.signal})(ctx, e)
}

// got is what the test read from one host.
type got struct {
	stdout, stderr []byte // only the first maxKept bytes
	size           int64
	sum            [32]byte
	readErr        error
}

const maxKept = 1 << 20

// readHost reads both streams of o to their end, as a caller would.
func readHost(o *pssh.HostOutput) got {
	var g got
	var wg sync.WaitGroup
	wg.Go(func() {
		h := sha256.New()
		kept := &limitedBuffer{max: maxKept}
		g.size, g.readErr = io.Copy(io.MultiWriter(h, kept), o.Stdout)
		g.sum = [32]byte(h.Sum(nil))
		g.stdout = kept.Bytes()
	})
	stderr := &limitedBuffer{max: maxKept}
	io.Copy(stderr, o.Stderr)
	wg.Wait()
	g.stderr = stderr.Bytes()
	return g
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// checkFaultHost checks one host's outcome against its kind, and returns a
// short name for that outcome, or an error.
func checkFaultHost(k faultKind, i int, o *pssh.HostOutput, g got) (string, error) {
	want := faultOutput(k, i)
	err := o.Err()
	code, hasCode := o.ExitCode()
	sig := o.ExitSignal()
	var (
		ce *pssh.ConnectionError
		ae *pssh.AuthenticationError
		te *pssh.TimeoutError
		se *pssh.SessionError
	)
	wantErr := func(target any, name string) (string, error) {
		if !errors.As(err, target) {
			return "", fmt.Errorf("error %v (%T), want a %s", err, err, name)
		}
		if hasCode || sig != "" || g.size != 0 || len(g.stderr) != 0 {
			return "", fmt.Errorf("error %v with exit %d/%v/%q and %d+%d bytes of output, want none", err, code, hasCode, sig, g.size, len(g.stderr))
		}
		return name, nil
	}
	exact := func() error {
		if g.size != want.size || g.sum != want.sum {
			return fmt.Errorf("stdout: %d bytes, sha256 %x; want %d bytes, sha256 %x", g.size, g.sum[:6], want.size, want.sum[:6])
		}
		if !bytes.Equal(g.stderr, want.stderr) {
			return fmt.Errorf("stderr %q, want %q", g.stderr, want.stderr)
		}
		if g.readErr != nil {
			return fmt.Errorf("reading stdout: %v", g.readErr)
		}
		return nil
	}
	exited := func() (string, error) {
		if err != nil {
			return "", fmt.Errorf("error %v, want none", err)
		}
		if err := exact(); err != nil {
			return "", err
		}
		if want.signal != "" {
			if sig != want.signal || hasCode {
				return "", fmt.Errorf("exit %d/%v signal %q, want signal %s", code, hasCode, sig, want.signal)
			}
			return "exit signal " + sig, nil
		}
		if !hasCode || code != want.code || sig != "" {
			return "", fmt.Errorf("exit %d/%v signal %q, want exit %d", code, hasCode, sig, want.code)
		}
		return "exit " + strconv.Itoa(code), nil
	}
	switch k {
	case refused:
		if errors.Is(err, pssh.ErrNotSSH) {
			return "", fmt.Errorf("error %v wraps ErrNotSSH, but nothing was sent", err)
		}
		return wantErr(&ce, "ConnectionError")
	case garbageBanner, endlessGarbage:
		if !errors.Is(err, pssh.ErrNotSSH) {
			return "", fmt.Errorf("error %v does not wrap ErrNotSSH", err)
		}
		return wantErr(&ce, "ConnectionError (not SSH)")
	case noBanner, stallKex, hangExec:
		return wantErr(&te, "TimeoutError")
	case rejectAuth:
		return wantErr(&ae, "AuthenticationError")
	case dropMidOutput:
		// What came before the drop is a prefix of the output.
		if !errors.As(err, &se) || !errors.Is(err, pssh.ErrConnectionLost) {
			return "", fmt.Errorf("error %v, want a SessionError with ErrConnectionLost", err)
		}
		if g.size > dropAfter || !bytes.HasPrefix(want.stdout, g.stdout) || hasCode || sig != "" {
			return "", fmt.Errorf("%d bytes before the drop (prefix: %v), exit %d/%v/%q; want at most %d bytes of the output, no exit",
				g.size, bytes.HasPrefix(want.stdout, g.stdout), code, hasCode, sig, dropAfter)
		}
		return "SessionError (connection lost)", nil
	case neverExits:
		if !errors.As(err, &te) {
			return "", fmt.Errorf("error %v, want a TimeoutError", err)
		}
		if !bytes.Equal(g.stdout, want.stdout) || hasCode {
			return "", fmt.Errorf("stdout %q exit %d/%v, want %q and no exit status", g.stdout, code, hasCode, want.stdout)
		}
		return "TimeoutError", nil
	}
	return exited()
}

func TestFleetFaults(t *testing.T) {
	const (
		n           = fleetSize
		hostTimeout = 15 * time.Second
	)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	goroutinesBefore := runtime.NumGoroutine()

	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sshtest.NewFleet(n, sshtest.Config{
		AuthorizedKeys: []ssh.PublicKey{key.PublicKey()},
		Handler:        faultHandler,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fleet.Close(); err != nil {
			t.Errorf("closing the fleet: %v", err)
		}
	}()
	plan := faultFleetPlan(n)
	args := make([][]string, n)
	faults := map[faultKind]int{}
	for i, k := range plan {
		fleet.Servers[i].SetFaults(faultFaults(k))
		args[i] = []string{fmt.Sprintf("%d %d", k, i)}
		faults[k]++
	}
	client, err := pssh.New(fleet.Addrs(), &pssh.Config{
		IgnoreSSHConfig: true,
		User:            "tester",
		Key:             key.PEM,
		NoAgent:         true,
		NoDefaultKeys:   true,
		HostKeyCallback: fleet.HostKeyCallback(),
		// Longer than the host timeout, which is then what ends every
		// hanging host, whatever it hangs on.
		ConnectTimeout: 4 * hostTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	begin := time.Now()
	outs, err := client.Run(ctx, "%s", &pssh.RunOptions{HostArgs: args, HostTimeout: hostTimeout, ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Since(begin)
	goroutinesRunning := runtime.NumGoroutine()
	if len(outs) != n {
		t.Fatalf("%d outputs for %d hosts", len(outs), n)
	}
	results := make([]got, n)
	var wg sync.WaitGroup
	for i, o := range outs {
		wg.Go(func() {
			results[i] = readHost(o)
			o.Wait(ctx)
		})
	}
	wg.Wait()
	took := time.Since(begin)

	outcomes := map[faultKind]map[string]int{}
	var slowest [numFaultKinds]time.Duration
	var lastStart time.Time
	bad := 0
	for i, o := range outs {
		k := plan[i]
		start, end := o.Times()
		slowest[k] = max(slowest[k], end.Sub(start))
		if start.After(lastStart) {
			lastStart = start
		}
		outcome, err := checkFaultHost(k, i, o, results[i])
		if err != nil {
			bad++
			if bad <= 20 {
				t.Errorf("host %d (%s, %s): %v", i, o.Host, k, err)
			}
			outcome = "WRONG"
		}
		if outcomes[k] == nil {
			outcomes[k] = map[string]int{}
		}
		outcomes[k][outcome]++
	}
	if bad > 20 {
		t.Errorf("... %d hosts wrong in all", bad)
	}
	// A hang detector, not a timing test: each host ends within the host
	// timeout and a margin from its start (the run's pool has hosts wait
	// for a slot first), and so does the whole run from the last start.
	const margin = 30 * time.Second
	for k, d := range slowest {
		if d > hostTimeout+margin {
			t.Errorf("a %s host took %v, want at most %v", faultKind(k), d, hostTimeout+margin)
		}
	}
	if d := time.Since(lastStart); d > hostTimeout+margin {
		t.Errorf("the run ended %v after the last host started, want at most %v", d, hostTimeout+margin)
	}

	if err := client.Close(); err != nil {
		t.Errorf("closing the client: %v", err)
	}
	if err := fleet.Close(); err != nil {
		t.Errorf("closing the fleet: %v", err)
	}
	t.Logf("%d hosts, %d faulty, host timeout %v; last host started after %v, Run returned after %v, all done in %v",
		n, n-faults[good], hostTimeout, lastStart.Sub(begin).Round(time.Millisecond), started.Round(time.Millisecond), took.Round(time.Millisecond))
	for k := range numFaultKinds {
		t.Logf("  %-18s %4d hosts, slowest %6v: %v", k, faults[k], slowest[k].Round(time.Millisecond), outcomes[k])
	}
	t.Logf("no-newline outputs: one of %d MiB, the others 1 MiB each", bigNoNewline>>20)
	t.Logf("goroutines: %d before, %d when Run returned (servers and client), %d after closing (goleak checks the rest)",
		goroutinesBefore, goroutinesRunning, runtime.NumGoroutine())
}
