package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/opensshd"
)

// failOn is a command that exits 1 on the hosts (by their server address,
// 127.0.0.N) given, and prints the host's number elsewhere.
func failOn(hosts ...int) string {
	var pats []string
	for _, h := range hosts {
		pats = append(pats, fmt.Sprintf(`*" 127.0.0.%d "*`, h))
	}
	return fmt.Sprintf(`case "$SSH_CONNECTION" in %s) exit 1;; esac; echo ok`, strings.Join(pats, "|"))
}

// jsonLines parses --json output by host address (host:port).
func jsonLines(t *testing.T, out string) map[string]jsonHost {
	t.Helper()
	got := map[string]jsonHost{}
	for _, l := range lines(out) {
		var j jsonHost
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("%v in line %q", err, l)
		}
		got[j.Addr] = j
	}
	return got
}

// TestOpenSSHRollout rolls commands out on six hosts of a real sshd.
func TestOpenSSHRollout(t *testing.T) {
	var addrs []string
	for i := 1; i <= 6; i++ {
		addrs = append(addrs, fmt.Sprintf("127.0.0.%d", i))
	}
	s := opensshd.StartT(t, opensshd.Options{Addrs: addrs})
	user, _ := opensshd.EnsureTestUser(t)
	hosts := fmt.Sprintf("%s@127.0.0.[1-6]:%d", user, s.Port)
	auth := []string{"-H", hosts, "--key", s.ClientKeyFile, "-O", "UserKnownHostsFile=" + s.KnownHostsFile}
	name := func(n int) string { return fmt.Sprintf("127.0.0.%d:%d", n, s.Port) }

	t.Run("failing canary", func(t *testing.T) {
		r := runPssh(t, append(auth, "--canary", "1", "--batch", "2", failOn(1))...)
		wantCode(t, r, exitStopped)
		st := statuses(t, r.stdout)
		if len(st) != 6 || st[name(1)].reason != "exited 1" {
			t.Fatalf("statuses %+v", st)
		}
		for n := 2; n <= 6; n++ {
			if got := st[name(n)].reason; got != "not started (canary failed)" {
				t.Errorf("%s: %q", name(n), got)
			}
		}
		wantStderr := []string{
			fmt.Sprintf("pssh: canary batch 1/4: %s (1)", name(1)),
			fmt.Sprintf("pssh: rollout: 1 of 4 batches done; 5 hosts not started (canary failed: %s): 127.0.0.[2-6]:%d", name(1), s.Port),
		}
		for _, w := range wantStderr {
			if !slices.Contains(lines(r.stderr), w) {
				t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
			}
		}
	})
	t.Run("failing canary, json", func(t *testing.T) {
		r := runPssh(t, append(auth, "--json", "--canary", "2", failOn(2))...)
		wantCode(t, r, exitStopped)
		got := jsonLines(t, r.stdout)
		if j := got[name(2)]; j.ExitCode == nil || *j.ExitCode != 1 {
			t.Errorf("canary host: %+v", j)
		}
		for n := 3; n <= 6; n++ {
			j := got[name(n)]
			if j.Error == nil || j.Error.Kind != "not_started" || !strings.Contains(j.Error.Text, "canary failed") {
				t.Errorf("%s: %+v", name(n), j.Error)
			}
		}
		if strings.Contains(r.stderr, "batch 1/2") {
			t.Errorf("--json announced batches on stderr:\n%s", r.stderr)
		}
	})
	t.Run("max-fail stops mid-fleet", func(t *testing.T) {
		// One host at a time: the second failure (host 4) stops the rollout.
		r := runPssh(t, append(auth, "-p", "1", "--max-fail", "2", failOn(2, 4, 5))...)
		wantCode(t, r, exitStopped)
		st := statuses(t, r.stdout)
		want := map[int]string{1: "", 2: "exited 1", 3: "", 4: "exited 1", 5: "not started (max-fail reached)", 6: "not started (max-fail reached)"}
		for n, reason := range want {
			if got := st[name(n)]; got.reason != reason || got.ok != (reason == "") {
				t.Errorf("%s: %+v, want %q", name(n), got, reason)
			}
		}
		w := fmt.Sprintf("pssh: rollout: 1 of 1 batches done; 2 hosts not started (max-fail reached, 2 failed of at most 2: 127.0.0.[2,4]:%d): 127.0.0.[5-6]:%d", s.Port, s.Port)
		if !slices.Contains(lines(r.stderr), w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	})
	t.Run("max-fail percent with batches", func(t *testing.T) {
		// 34% of 6 hosts is 3 (rounded up): batch 2 reaches it.
		r := runPssh(t, append(auth, "-p", "1", "--batch", "2", "--max-fail", "34%", failOn(1, 3, 4))...)
		wantCode(t, r, exitStopped)
		st := statuses(t, r.stdout)
		for n := 5; n <= 6; n++ {
			if got := st[name(n)].reason; got != "not started (max-fail reached)" {
				t.Errorf("%s: %q", name(n), got)
			}
		}
		if !strings.Contains(r.stderr, "pssh: rollout: 2 of 3 batches done; 2 hosts not started (max-fail reached, 3 failed of at most 3") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	})
	t.Run("batches in sequence", func(t *testing.T) {
		r := runPssh(t, append(auth, "--json", "--batch", "2", "--pause", "0.2", "echo ok")...)
		wantCode(t, r, 0)
		got := jsonLines(t, r.stdout)
		// Every host of a batch ended before any host of the next started.
		for b := 0; b < 2; b++ {
			for _, earlier := range []int{2*b + 1, 2*b + 2} {
				for _, later := range []int{2*b + 3, 2*b + 4} {
					e, l := got[name(earlier)], got[name(later)]
					if !e.End.Before(l.Start) {
						t.Errorf("%s ended %v, after %s of the next batch started %v", name(earlier), e.End, name(later), l.Start)
					}
					if l.Start.Sub(e.End) < 200*time.Millisecond {
						t.Errorf("%s started %v after %s ended: no --pause", name(later), l.Start.Sub(e.End), name(earlier))
					}
				}
			}
		}
		if !strings.Contains(r.stderr, "pssh: rollout: 3 of 3 batches done\n") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	})
}
