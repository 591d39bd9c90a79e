package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A rollout through workers ("pssh cluster up -- --batch ...") runs and
// stops as the same rollout run directly: the same hosts run or are not
// started, the same status lines, the same batch lines and rollout
// summary on stderr, the same exit status (6 when it stopped).
func TestClusterRolloutMatchesDirect(t *testing.T) {
	b := newBed(t, 3)
	h := b.hosts()
	const closed = "127.0.0.1:1"
	for _, tc := range []struct {
		name  string
		hosts []string
		flags []string
		code  int
	}{
		{"batches", h, []string{"--batch", "1", "--pause", "0.05"}, exitOK},
		{"max-fail", []string{h[0], closed, h[1], h[2]}, []string{"--batch", "2", "--max-fail", "1"}, exitStopped},
		{"canary", []string{closed, h[0], h[1], h[2]}, []string{"--canary", "1", "--batch", "50%"}, exitStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hostsFile := filepath.Join(t.TempDir(), "hosts")
			if err := os.WriteFile(hostsFile, []byte(strings.Join(tc.hosts, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-h", hostsFile}, tc.flags...)
			args = append(args, "echo hello")
			direct := runPssh(t, append(b.auth(), args...)...)
			up := append([]string{"cluster", "up", "--workers", "2", "--dir", t.TempDir(), "--submit-key", filepath.Join(t.TempDir(), "key")}, b.auth()...)
			viaCluster := runPssh(t, append(append(up, "--", "-l", "tester"), args...)...)

			if direct.code != tc.code || viaCluster.code != direct.code {
				t.Errorf("exit status %d through the cluster, %d direct; want %d\nstderr: %s", viaCluster.code, direct.code, tc.code, viaCluster.stderr)
			}
			t.Logf("through the cluster:\n%s%s", viaCluster.stdout, viaCluster.stderr)
			want, got := statuses(t, direct.stdout), statuses(t, viaCluster.stdout)
			for _, m := range []map[string]status{want, got} {
				for h, s := range m {
					s.n = 0 // the order hosts finish in
					m[h] = s
				}
			}
			if len(want) != len(tc.hosts) || !maps.Equal(got, want) {
				t.Errorf("statuses through the cluster:\n%v\nwant\n%v", got, want)
			}
			if w, g := rolloutLines(direct.stderr), rolloutLines(viaCluster.stderr); len(w) == 0 || !slices.Equal(g, w) {
				t.Errorf("rollout lines through the cluster:\n%q\nwant\n%q", g, w)
			}
		})
	}
}

// rolloutLines are the lines of stderr about a rollout: its batches and
// its summary.
func rolloutLines(stderr string) []string {
	var out []string
	for _, l := range lines(stderr) {
		if strings.HasPrefix(l, "pssh: batch ") || strings.HasPrefix(l, "pssh: canary batch ") || strings.HasPrefix(l, "pssh: rollout: ") {
			out = append(out, l)
		}
	}
	return out
}

// A rollout needs its submitter: --detach with the rollout flags is a
// usage error, before anything is submitted.
func TestNATSRolloutNoDetach(t *testing.T) {
	r := runPssh(t, "--nats", "nats://127.0.0.1:1", "--detach", "--batch", "1", "-H", "127.0.0.1:1", "true")
	wantCode(t, r, exitUsage)
	if !strings.Contains(r.stderr, "--detach with --batch") {
		t.Errorf("stderr %q", r.stderr)
	}
}
