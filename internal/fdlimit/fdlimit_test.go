package fdlimit

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		need, soft, hard uint64
		want             uint64
		raise            bool
	}{
		{need: 100, soft: 1024, hard: 4096, want: 1024},                         // fits: unchanged
		{need: 1024, soft: 1024, hard: 4096, want: 1024},                        // exactly fits
		{need: 2000, soft: 1024, hard: 4096, want: 4096, raise: true},           // raised to the hard limit
		{need: 9000, soft: 1024, hard: 4096, want: 4096, raise: true},           // raised, still short
		{need: 9000, soft: 4096, hard: 4096, want: 4096},                        // already at the hard limit
		{need: 9000, soft: 1024, hard: Unlimited, want: Unlimited, raise: true}, // no hard limit
		{need: 10, soft: Unlimited, hard: Unlimited, want: Unlimited},
		{need: 10, soft: 5000, hard: 4096, want: 5000}, // never lowered, even above hard
	} {
		got, raise := target(tc.need, tc.soft, tc.hard)
		if got != tc.want || raise != tc.raise {
			t.Errorf("target(need %d, soft %d, hard %d) = %d, %t; want %d, %t", tc.need, tc.soft, tc.hard, got, raise, tc.want, tc.raise)
		}
	}
}

func TestLimitFits(t *testing.T) {
	for _, tc := range []struct {
		l    Limit
		want bool
	}{
		{Limit{Need: 10, Soft: 10, Hard: 10, Known: true}, true},
		{Limit{Need: 11, Soft: 10, Hard: 10, Known: true}, false},
		{Limit{Need: 11, Soft: Unlimited, Hard: Unlimited, Known: true}, true},
		{Limit{Need: 11}, true}, // unknown: nothing to say
	} {
		if got := tc.l.Fits(); got != tc.want {
			t.Errorf("%+v.Fits() = %t, want %t", tc.l, got, tc.want)
		}
	}
	if got, want := (Limit{Soft: 1024, Hard: Unlimited, Known: true}).String(), "soft 1024, hard unlimited"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// childEnv, set in the environment of this test binary, makes it set its
// own limit to "SOFT HARD", call Ensure(NEED) and print the outcome, then
// the limit it reads back, as JSON.
const childEnv = "FDLIMIT_TEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(child(spec))
	}
	os.Exit(m.Run())
}

type childResult struct {
	Got  Limit
	Soft uint64 // read back with getrlimit
}

func child(spec string) int {
	f := strings.Fields(spec)
	var v [3]uint64
	for i := range v {
		n, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		v[i] = n
	}
	soft, hard, need := v[0], v[1], v[2]
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: soft, Max: hard}); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 2
	}
	r := childResult{Got: Ensure(need)}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil {
		fmt.Fprintln(os.Stderr, "getrlimit:", err)
		return 2
	}
	r.Soft = now.Cur
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// runChild runs Ensure(need) in a child process whose limit is soft/hard.
func runChild(t *testing.T, soft, hard, need uint64) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %d", childEnv, soft, hard, need))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var r childResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	return r
}

// TestEnsureRaises lowers the limit of a child process, as a caller or a
// service manager may, and checks that Ensure raises the soft limit when
// (and only when) the need is above it, and reports a need past the hard
// limit.
func TestEnsureRaises(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no RLIMIT_NOFILE handling on", runtime.GOOS)
	}
	cur := Current()
	if !cur.Known || cur.Hard < 512 {
		t.Skipf("hard limit %s: too low to test", cur)
	}
	hard := min(cur.Hard, 4096) // lowering the child's hard limit is allowed

	t.Run("raised", func(t *testing.T) {
		r := runChild(t, 64, hard, 300)
		if !r.Got.Raised || !r.Got.Fits() || r.Got.Soft != hard || r.Soft != hard {
			t.Errorf("Ensure(300) with soft 64, hard %d = %+v, limit read back %d; want raised to %d", hard, r.Got, r.Soft, hard)
		}
	})
	t.Run("fits", func(t *testing.T) {
		r := runChild(t, 64, hard, 60)
		if r.Got.Raised || !r.Got.Fits() || r.Got.Soft != 64 || r.Soft != 64 {
			t.Errorf("Ensure(60) with soft 64 = %+v, limit read back %d; want unchanged", r.Got, r.Soft)
		}
	})
	t.Run("past the hard limit", func(t *testing.T) {
		r := runChild(t, 64, 256, 1000)
		if !r.Got.Raised || r.Got.Fits() || r.Got.Soft != 256 || r.Soft != 256 || r.Got.Need != 1000 {
			t.Errorf("Ensure(1000) with soft 64, hard 256 = %+v, limit read back %d; want raised to 256 and not fitting", r.Got, r.Soft)
		}
	})
}
