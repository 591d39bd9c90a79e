package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "pssh --nats --detach" prints a run id and leaves; "pssh attach ID"
// shows the run as a direct run shows it: statuses, exit status, and byte
// for byte the same -o and -e files.
func TestDetachAttach(t *testing.T) {
	b := newBed(t, 3)
	command := `printf 'a\nno newline'; seq 1 20000; echo x >&2; exit 2`
	files := func(name string) []string {
		dir := filepath.Join(t.TempDir(), name)
		return []string{"-o", filepath.Join(dir, "out"), "-e", filepath.Join(dir, "err")}
	}
	directFiles := files("direct")
	direct := runPssh(t, append(append(b.flags(), directFiles...), "-H", "127.0.0.1:1", command)...)

	env, key := clusterEnv(t, append([]string{"--workers", "1"}, b.auth()...)...)
	detached := psshEnv(t, env, "", "--submit-key", key, "-l", "tester", "-h", b.hostsFile, "-H", "127.0.0.1:1", "--detach", command)
	wantCode(t, detached, 0)
	id := strings.TrimSpace(detached.stdout)
	if len(id) != 32 || !strings.Contains(detached.stderr, "pssh attach "+id) {
		t.Fatalf("--detach printed %q, stderr %q; want a run id and how to attach", detached.stdout, detached.stderr)
	}
	attachFiles := files("attach")
	attached := psshEnv(t, env, "", append([]string{"attach", id}, attachFiles...)...)

	if attached.code != direct.code || direct.code != exitConnect {
		t.Errorf("exit status %d attached, %d direct; want %d (stderr %s)", attached.code, direct.code, exitConnect, attached.stderr)
	}
	want, got := statuses(t, direct.stdout), statuses(t, attached.stdout)
	for _, m := range []map[string]status{want, got} {
		for h, s := range m {
			s.n = 0 // the order hosts finish in
			m[h] = s
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("statuses attached:\n%v\nwant\n%v", got, want)
	}
	for _, h := range b.hosts() {
		for i := 1; i < 4; i += 2 {
			w, err := os.ReadFile(filepath.Join(directFiles[i], h))
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.ReadFile(filepath.Join(attachFiles[i], h))
			if string(g) != string(w) {
				t.Errorf("%s %s: %d bytes attached (%v), %d direct, not the same", h, attachFiles[i], len(g), err, len(w))
			}
		}
	}

	for _, args := range [][]string{{"-H", "127.0.0.1", "--detach", "true"}, {"attach", id}} {
		r := runPssh(t, args...)
		wantCode(t, r, exitUsage)
	}
}
