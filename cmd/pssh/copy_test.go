package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// dirBed is n servers, each with its own working directory, so that a
// relative remote path is a different file on each host.
type dirBed struct {
	*bed
	dirs []string // per host, in host order
}

func newDirBed(t *testing.T, n int, noSFTP bool) *dirBed {
	t.Helper()
	key := clientKey(t)
	b := &dirBed{bed: &bed{dir: t.TempDir()}}
	var known, hosts bytes.Buffer
	fleet := &sshtest.Fleet{}
	for i := range n {
		d := t.TempDir()
		srv, err := sshtest.NewServerAt(fmt.Sprintf("127.0.0.%d:0", i+1),
			sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}, Dir: d, NoSFTP: noSFTP})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		fleet.Servers = append(fleet.Servers, srv)
		b.dirs = append(b.dirs, d)
		fmt.Fprintln(&known, srv.KnownHostsLine())
		fmt.Fprintf(&hosts, "tester@%s\n", srv.Addr)
	}
	b.fleet = fleet
	b.keyFile = filepath.Join(b.dir, "id_ed25519")
	b.known = filepath.Join(b.dir, "known_hosts")
	b.hostsFile = filepath.Join(b.dir, "hosts")
	for name, data := range map[string][]byte{b.keyFile: key.PEM, b.known: known.Bytes(), b.hostsFile: hosts.Bytes()} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantFile(t *testing.T, name, data string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil || string(got) != data {
		t.Errorf("%s: %q, %v; want %q", name, got, err, data)
	}
}

// wantAllOK checks one SUCCESS line per host, each with its size.
func wantAllOK(t *testing.T, r runResult, hosts []string, size string) {
	t.Helper()
	wantCode(t, r, 0)
	st := statuses(t, r.stdout)
	if len(st) != len(hosts) {
		t.Fatalf("%d status lines, want %d:\n%s", len(st), len(hosts), r.stdout)
	}
	for _, h := range hosts {
		if s := st[h]; !s.ok || s.reason != size {
			t.Errorf("%s: %+v, want SUCCESS %q", h, s, size)
		}
	}
}

func TestCopySend(t *testing.T) {
	src := filepath.Join(t.TempDir(), "app.conf")
	writeFile(t, src, "hello\n")
	tree := filepath.Join(t.TempDir(), "tree")
	writeFile(t, filepath.Join(tree, "a.txt"), "A")
	writeFile(t, filepath.Join(tree, "sub", "b.txt"), "BB")
	for _, scp := range []bool{false, true} {
		t.Run(fmt.Sprintf("scp=%v", scp), func(t *testing.T) {
			b := newDirBed(t, 3, scp) // the SCP bed has no SFTP at all
			flags := b.flags()
			if scp {
				flags = append(flags, "--scp")
			}
			r := runPssh(t, append(append([]string{"cp"}, flags...), src, "etc/app.conf")...)
			wantAllOK(t, r, b.hosts(), "6 bytes")
			for _, d := range b.dirs {
				wantFile(t, filepath.Join(d, "etc", "app.conf"), "hello\n")
			}

			r = runPssh(t, append(append([]string{"cp", "-r", "--preserve-times"}, flags...), tree, "t")...)
			wantAllOK(t, r, b.hosts(), "2 files, 3 bytes")
			for _, d := range b.dirs {
				wantFile(t, filepath.Join(d, "t", "a.txt"), "A")
				wantFile(t, filepath.Join(d, "t", "sub", "b.txt"), "BB")
			}

			// A directory without -r is a usage error, found before any host
			// is connected.
			before := b.fleet.Servers[0].Accepted()
			r = runPssh(t, append(append([]string{"cp"}, flags...), tree, "t2")...)
			wantCode(t, r, 2)
			if !strings.Contains(r.stderr, "use -r") || b.fleet.Servers[0].Accepted() != before {
				t.Errorf("cp of a directory without -r: stderr %q, %d connections", r.stderr, b.fleet.Servers[0].Accepted()-before)
			}
		})
	}
}

func TestSlurp(t *testing.T) {
	// The hosts share this machine's disk: each one sends the same file.
	remote := filepath.Join(t.TempDir(), "logs")
	writeFile(t, filepath.Join(remote, "app.log"), "line 1\n")
	writeFile(t, filepath.Join(remote, "old", "app.log.1"), "line 0\n")
	for _, scp := range []bool{false, true} {
		t.Run(fmt.Sprintf("scp=%v", scp), func(t *testing.T) {
			b := newBed(t, 3)
			flags := b.flags()
			if scp {
				flags = append(flags, "--scp")
			}
			local := filepath.Join(t.TempDir(), "got")
			r := runPssh(t, append(append([]string{"slurp"}, flags...), filepath.Join(remote, "app.log"), local)...)
			wantAllOK(t, r, b.hosts(), "7 bytes")
			entries, _ := os.ReadDir(local)
			if len(entries) != 3 {
				t.Errorf("%d directories in %s, want 3", len(entries), local)
			}
			for _, h := range b.hosts() {
				wantFile(t, filepath.Join(local, h, "app.log"), "line 1\n")
			}

			r = runPssh(t, append(append([]string{"slurp", "-r"}, flags...), remote, local)...)
			wantAllOK(t, r, b.hosts(), "2 files, 14 bytes")
			for _, h := range b.hosts() {
				wantFile(t, filepath.Join(local, h, "logs", "app.log"), "line 1\n")
				wantFile(t, filepath.Join(local, h, "logs", "old", "app.log.1"), "line 0\n")
			}

			missing := filepath.Join(remote, "nope.log")
			r = runPssh(t, append(append([]string{"slurp"}, flags...), missing, local)...)
			wantCode(t, r, 5)
			for h, s := range statuses(t, r.stdout) {
				if s.ok || !strings.Contains(s.reason, missing) {
					t.Errorf("%s: %+v, want a FAILURE naming %s", h, s, missing)
				}
			}
		})
	}
}

func TestCopyJSONAndErrors(t *testing.T) {
	b := newBed(t, 2)
	src := filepath.Join(t.TempDir(), "f")
	writeFile(t, src, "abc")
	dst := filepath.Join(t.TempDir(), "dst")
	r := runPssh(t, append(append([]string{"slurp", "--json"}, b.flags()...), src, dst)...)
	wantCode(t, r, 0)
	l := lines(r.stdout)
	if len(l) != 2 {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	for i, line := range l {
		var j jsonCopy
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatal(err)
		}
		if j.Index != i || j.Bytes != 3 || j.Files != 1 || j.Error != nil || j.Remote != src ||
			j.Local != filepath.Join(dst, b.hosts()[i], "f") {
			t.Errorf("line %d: %+v", i, j)
		}
	}

	r = runPssh(t, append(append([]string{"slurp", "--json"}, b.flags()...), src+".missing", dst)...)
	wantCode(t, r, 5)
	if n := strings.Count(r.stdout, `"kind":"transfer"`); n != 2 {
		t.Errorf("stdout:\n%s", r.stdout)
	}

	r = runPssh(t, append(b.auth(), "cp", src, "x")...) // cp not first: a remote command
	wantCode(t, r, 2)                                   // no hosts
	r = runPssh(t, append(append([]string{"cp"}, b.auth()...), "-H", "127.0.0.1:1", src, dst)...)
	wantCode(t, r, 4)
	if st := statuses(t, r.stdout); st["127.0.0.1:1"].reason != "connection refused" {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	for _, args := range [][]string{
		{"cp", "-H", "h", src},
		{"slurp", "-H", "h", src, dst, "more"},
		{"cp", "-H", "h", "-i", src, dst},
		{"cp", "-H", "h", "--nope", src, dst},
	} {
		wantCode(t, runPssh(t, args...), 2)
	}
}

// TestCopyProgress: on a terminal a progress line shows bytes and hosts
// done; NO_COLOR turns it off.
func TestCopyProgress(t *testing.T) {
	b := newBed(t, 2)
	src := filepath.Join(t.TempDir(), "f")
	writeFile(t, src, strings.Repeat("x", 3000))
	for _, noColor := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "dst")
		env := []string{"SSH_AUTH_SOCK=", "NO_COLOR="}
		if noColor {
			env = []string{"SSH_AUTH_SOCK=", "NO_COLOR=1"}
		}
		p := startPty(t, env, append(append([]string{"slurp"}, b.flags()...), src, dst)...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("exit status %d:\n%q", code, p.output())
		}
		out := p.output()
		if got := strings.Contains(out, "2/2 hosts done"); got == noColor {
			t.Errorf("NO_COLOR=%v: progress line shown %v:\n%q", noColor, got, out)
		}
		if !noColor && !strings.Contains(out, "5.9 KiB/5.9 KiB") {
			t.Errorf("no byte counts:\n%q", out)
		}
	}
}

func TestCopyFlags(t *testing.T) {
	var cp *cpOptions
	err := parseSubcommand(newCmdCp(testStreams(""), func(o *cpOptions) error { cp = o; return nil }),
		"-rp4", "--scp", "--preserve-times", "-t", "1.5", "-H", "a,b", "-h", "f", "--json", "-v", "src", "dst")
	if err != nil {
		t.Fatal(err)
	}
	if !cp.recursive || !cp.useSCP || !cp.preserveTimes || cp.par != 4 || cp.timeout != 1500*time.Millisecond ||
		!cp.json || !cp.verbose || !slices.Equal(cp.hostLists, []string{"a,b"}) || !slices.Equal(cp.hostFiles, []string{"f"}) ||
		cp.local != "src" || cp.remote != "dst" {
		t.Errorf("cp: %+v", cp)
	}

	var slurp *slurpOptions
	err = parseSubcommand(newCmdSlurp(testStreams(""), func(o *slurpOptions) error { slurp = o; return nil }),
		"-H", "a", "/var/log/app.log", "logs")
	if err != nil {
		t.Fatal(err)
	}
	// No time limit on a copy unless -t is given.
	if slurp.recursive || slurp.par != defaultPar || slurp.timeout != 0 || slurp.remote != "/var/log/app.log" || slurp.localDir != "logs" {
		t.Errorf("slurp: %+v", slurp)
	}
}

// TestCopyLocalChecks: cp and slurp check their local argument before
// connecting to any host, and --skip-special skips a dangling link.
func TestCopyLocalChecks(t *testing.T) {
	b := newDirBed(t, 2, false)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"missing source", []string{"cp", filepath.Join(dir, "nope"), "dst"}, "no such file"},
		{"directory without -r", []string{"cp", dir, "dst"}, "use -r"},
		{"slurp into a file", []string{"slurp", "/etc/hostname", file}, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := b.fleet.Servers[0].Accepted()
			r := runPssh(t, append(append(tt.args[:1:1], b.flags()...), tt.args[1:]...)...)
			wantCode(t, r, 2)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q, want %q", r.stderr, tt.want)
			}
			if n := b.fleet.Servers[0].Accepted() - before; n != 0 {
				t.Errorf("%d connections before the usage error", n)
			}
		})
	}

	tree := filepath.Join(t.TempDir(), "tree")
	writeFile(t, filepath.Join(tree, "a"), "A")
	if err := os.Symlink(filepath.Join(tree, "gone"), filepath.Join(tree, "dangling")); err != nil {
		t.Fatal(err)
	}
	r := runPssh(t, append(append([]string{"cp", "-r"}, b.flags()...), tree, "t")...)
	wantCode(t, r, 5) // the link fails each host, after the rest is copied
	r = runPssh(t, append(append([]string{"cp", "-r", "--skip-special"}, b.flags()...), tree, "t2")...)
	wantAllOK(t, r, b.hosts(), "1 bytes")
	if !strings.Contains(r.stderr, "skipped") || !strings.Contains(r.stderr, "dangling") {
		t.Errorf("the skipped link is not listed: %q", r.stderr)
	}
	for _, d := range b.dirs {
		wantFile(t, filepath.Join(d, "t2", "a"), "A")
	}
}

// TestHostFileNamesStayInside: whatever a host is called, slurp's
// directory for it is an entry of the directory given (named by
// safename.Host, as the library's fetches and the -o/-e files are).
func TestHostFileNamesStayInside(t *testing.T) {
	hosts := []string{"..", ".", "u@..", "web1:22"}
	for i, p := range slurpPaths(hosts, "/var/log/app.log", "logs") {
		if rel, err := filepath.Rel("logs", filepath.Dir(p.Local)); err != nil || filepath.Dir(rel) != "." || rel == "." || rel == ".." {
			t.Errorf("slurp %s: %s is not in a directory of its own under logs", hosts[i], p.Local)
		}
	}
}
