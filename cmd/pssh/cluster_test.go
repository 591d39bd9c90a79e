package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "pssh cluster up -- ..." runs pssh through two local workers, and leaves
// what a direct run leaves: the same exit status, the same status line of
// each host (a refused connection's included), and byte for byte the same
// -o and -e files.
func TestClusterUpMatchesDirectRun(t *testing.T) {
	b := newBed(t, 3)
	command := `printf 'a\nno newline'; seq 1 20000; echo x >&2; exit 2`
	run := func(name string, prefix ...string) (runResult, string) {
		dir := filepath.Join(t.TempDir(), name)
		args := append(prefix, "-h", b.hostsFile, "-H", "127.0.0.1:1", "-o", filepath.Join(dir, "out"), "-e", filepath.Join(dir, "err"), command)
		return runPssh(t, args...), dir
	}
	direct, directDir := run("direct", b.auth()...)
	up := append([]string{"cluster", "up", "--workers", "2", "--dir", t.TempDir(), "--submit-key", filepath.Join(t.TempDir(), "key")}, b.auth()...)
	viaCluster, clusterDir := run("cluster", append(up, "--", "-l", "tester")...)

	if direct.code != viaCluster.code || direct.code != exitConnect {
		t.Errorf("exit status %d through the cluster, %d direct; want %d", viaCluster.code, direct.code, exitConnect)
	}
	want, got := statuses(t, direct.stdout), statuses(t, viaCluster.stdout)
	for _, m := range []map[string]status{want, got} {
		for h, s := range m {
			s.n = 0 // the order hosts finish in
			m[h] = s
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("statuses through the cluster:\n%v\nwant\n%v\n(stderr: %s)", got, want, viaCluster.stderr)
	}
	for _, h := range b.hosts() {
		for _, d := range []string{"out", "err"} {
			w, err := os.ReadFile(filepath.Join(directDir, d, h))
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.ReadFile(filepath.Join(clusterDir, d, h))
			if err != nil {
				t.Fatal(err)
			}
			if string(g) != string(w) {
				t.Errorf("%s %s: %d bytes through the cluster, %d direct, not the same", h, d, len(g), len(w))
			}
		}
	}
}

// Credentials and the local SSH setup stay local: -A and the like are
// refused with --nats, before anything is sent.
func TestNATSRefusesLocalCredentials(t *testing.T) {
	for _, flags := range [][]string{{"-A"}, {"--password-file", "/dev/null"}, {"--key", "k"}, {"--forward-agent"}, {"-O", "User=x"}} {
		r := runPssh(t, append(append([]string{"--nats", "nats://127.0.0.1:1", "-H", "127.0.0.1"}, flags...), "true")...)
		wantCode(t, r, exitUsage)
		if !strings.Contains(r.stderr, "with --nats: the workers use their own SSH setup") {
			t.Errorf("%v: stderr %q", flags, r.stderr)
		}
	}
}
