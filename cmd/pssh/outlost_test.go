package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory, unmounted
// when the test ends: a filesystem that fills up for real. It needs root:
// without, the test skips, except under CI=true where it fails.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	skip := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	if os.Getuid() != 0 {
		skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			skip("mounting a tmpfs: " + err.Error() + " (root without CAP_SYS_ADMIN?)")
		}
		t.Fatal(err)
	}
	// Registered after TempDir's cleanup, so run before it.
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// jsonLost is what TestOutputLost reads of a --json line.
type jsonLost struct {
	Host     string `json:"host"`
	ExitCode *int   `json:"exit_code"`
	Stdout   string `json:"stdout"`
	Error    *struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	} `json:"error"`
}

// TestOutputLost fills the filesystem that -o, -e, or the temporary files
// of -i, -b and --json write to, or limits the size of the files pssh may
// write (RLIMIT_FSIZE): every host's output is cut short, and every host
// fails with the error kind "output", and pssh exits 1. What was kept is
// the start of the output.
func TestOutputLost(t *testing.T) {
	const size = 200_000 // bytes of output per host: more than the tmpfs, the limit, and captureMemory
	produce := fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", size)
	b := newBed(t, 3)
	mechanisms := []struct {
		name  string
		dir   func(t *testing.T) string // where the files go
		wrap  []string                  // how pssh is started
		error string                    // in the host's error
	}{
		{"full tmpfs", func(t *testing.T) string { return mountTmpfs(t, 64<<10) }, nil, "no space left on device"},
		{"RLIMIT_FSIZE", func(t *testing.T) string { return t.TempDir() }, []string{"sh", "-c", `ulimit -f 64 && exec "$0" "$@"`}, "file too large"}, // 32 KiB
	}
	views := []struct {
		name    string
		args    func(dir string) []string
		tmpdir  bool   // the views' temporary files go to dir
		command string // what each host runs
		file    string // the -o or -e directory under dir
		stream  string // the stream cut short
	}{
		{"-o", func(dir string) []string { return []string{"-o", filepath.Join(dir, "out")} }, false, produce, "out", "stdout"},
		{"-e", func(dir string) []string { return []string{"-e", filepath.Join(dir, "err")} }, false, produce + " >&2", "err", "stderr"},
		{"--json", func(string) []string { return []string{"--json"} }, true, produce, "", "stdout"},
		{"-i", func(string) []string { return []string{"-i"} }, true, produce, "", "stdout"},
		{"-b", func(string) []string { return []string{"-b"} }, true, produce, "", "stdout"},
	}
	for _, m := range mechanisms {
		t.Run(m.name, func(t *testing.T) {
			for _, v := range views {
				t.Run(v.name, func(t *testing.T) {
					dir := m.dir(t)
					var env []string
					if v.tmpdir {
						env = append(env, "TMPDIR="+dir)
					}
					r := psshWrapped(t, m.wrap, env, "", append(append(b.flags(), v.args(dir)...), v.command)...)
					wantCode(t, r, exitMisc)
					wantReason := v.stream + " not kept whole"
					switch v.name {
					case "--json":
						n := 0
						for _, l := range lines(r.stdout) {
							var j jsonLost
							if err := json.Unmarshal([]byte(l), &j); err != nil {
								t.Fatalf("line %q: %v", l, err)
							}
							n++
							if j.Error == nil || j.Error.Kind != "output" || !strings.Contains(j.Error.Text, wantReason) || !strings.Contains(j.Error.Text, m.error) {
								t.Errorf("%s: error %+v, want kind output, %q, %q", j.Host, j.Error, wantReason, m.error)
							}
							if j.ExitCode == nil || *j.ExitCode != 0 {
								t.Errorf("%s: exit code %v, want the command's, 0", j.Host, j.ExitCode)
							}
							if len(j.Stdout) >= size || strings.Trim(j.Stdout, "x") != "" {
								t.Errorf("%s: stdout of %d bytes, want fewer than %d x's", j.Host, len(j.Stdout), size)
							}
						}
						if n != 3 {
							t.Errorf("%d --json lines, want 3:\n%s", n, r.stdout)
						}
					case "-b":
						for _, h := range b.hosts() {
							if want := "pssh: " + h + ": " + wantReason; !strings.Contains(r.stderr, want) {
								t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
							}
						}
					default: // status lines (with -i, the output under them)
						got := map[string]string{}
						for _, l := range lines(r.stdout) {
							if m := statusRE.FindStringSubmatch(l); m != nil {
								got[m[3]] = m[2] + " " + m[4]
							}
						}
						for _, h := range b.hosts() {
							if s := got[h]; !strings.HasPrefix(s, "FAILURE "+wantReason) || !strings.HasSuffix(s, m.error) {
								t.Errorf("%s: %q, want FAILURE %s ...: %s", h, s, wantReason, m.error)
							}
						}
					}
					if v.file == "" {
						return
					}
					for _, h := range b.hosts() {
						got, err := os.ReadFile(filepath.Join(dir, v.file, h))
						if err != nil || len(got) >= size || strings.Trim(string(got), "x") != "" {
							t.Errorf("%s: %d bytes, %v; want fewer than %d x's", h, len(got), err, size)
						}
					}
				})
			}
		})
	}
}

// TestOutputNotCreated gives -o a directory so deep that one host's file
// name no longer fits in PATH_MAX (ENAMETOOLONG): that host fails, saying
// so in its status line, -v, --json and the summary, and pssh exits 1;
// the other host's file is written as usual.
func TestOutputNotCreated(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // not this machine's ~/.ssh/config
	t.Setenv("SSH_AUTH_SOCK", "")
	b := newBed(t, 2)
	long := strings.Repeat("l", 300) // its file: 217 bytes (outputNames)
	host, port, _ := net.SplitHostPort(b.hosts()[1])
	cfgFile := filepath.Join(b.dir, "ssh_config")
	writeFile(t, cfgFile, fmt.Sprintf("Host %s\n  HostName %s\n  Port %s\n", long, host, port))
	// 3950 bytes: the short host's temporary and final names fit in
	// PATH_MAX (4095 bytes), the long one's final name does not.
	dir := t.TempDir()
	for len(dir) < 3950 {
		dir = filepath.Join(dir, strings.Repeat("d", min(200, 3950-len(dir)-1)))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	short := b.hosts()[0]
	args := append(b.auth(), "-F", cfgFile, "-H", short+","+long, "-o", dir, "-v")
	wantText := "stdout not kept: create " + filepath.Join(dir, shortName(long, long)) + ": file name too long"

	ios := testStreams("")
	ios.stdoutTTY, ios.stderrTTY = true, true // a terminal, for the summary
	r := runIn(ios, append(args, "echo hi")...)
	wantCode(t, r, exitMisc)
	wantFile(t, filepath.Join(dir, short), "hi\n")
	if !strings.Contains(r.stdout, "[FAILURE]"+reset+" "+long+" "+wantText+"\n") || !strings.Contains(r.stdout, "[SUCCESS]"+reset+" "+short+"\n") {
		t.Errorf("status lines:\n%s", r.stdout)
	}
	for _, want := range []string{
		"pssh: " + long + ": " + wantText + "\n", // -v
		"1 succeeded",
		"1 failed",
		"pssh: failed: " + long + "\n",
		"pssh: output not kept whole: " + long + "\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	r = runPssh(t, append(args, "--json", "echo hi")...)
	wantCode(t, r, exitMisc)
	for _, l := range lines(r.stdout) {
		var j jsonLost
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		switch {
		case j.Host == short && j.Error == nil:
		case j.Host == long && j.Error != nil && j.Error.Kind == "output" && j.Error.Text == long+": "+wantText:
		default:
			t.Errorf("--json line %s", l)
		}
	}
}
