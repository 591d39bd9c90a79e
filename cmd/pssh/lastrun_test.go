package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
)

// groupEnv is an environment with no ClusterShell configuration and a
// state directory of the test's own.
func groupEnv(t *testing.T) []string {
	return []string{"CLUSTERSHELL_CFGDIR=", "XDG_CONFIG_HOME=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir()}
}

// TestGroupsAndRetry runs on groups of a --groups file, then retries
// exactly the hosts that failed, on in-process servers.
func TestGroupsAndRetry(t *testing.T) {
	a := newBed(t, 2, "CODE=0")
	b := newBed(t, 1, "CODE=3")
	env := groupEnv(t)
	refused := "127.0.0.1:1"
	var aHosts, bHosts []string
	for _, h := range a.hosts() {
		aHosts = append(aHosts, "tester@"+h)
	}
	for _, h := range b.hosts() {
		bHosts = append(bHosts, "tester@"+h)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"groups.yaml": fmt.Sprintf("good: [%s]\nbad: '%s'\nall: '@good,@bad,%s'\n", strings.Join(aHosts, ", "), bHosts[0], refused),
		"hosts":       "@all  # a group in a hosts file\n!@good\n",
	})
	gflags := []string{"--groups", filepath.Join(dir, "groups.yaml"), "-O", "UserKnownHostsFile=" + a.known + " " + b.known}
	base := append(a.auth(), gflags...)

	run := func(code int, args ...string) []string {
		t.Helper()
		r := psshEnv(t, env, "", append(slices.Clone(base), append(args, "exit $CODE")...)...)
		wantCode(t, r, code)
		return sortedKeys(statuses(t, r.stdout))
	}
	display := func(hosts ...string) []string {
		var out []string
		for _, h := range hosts {
			out = append(out, displayName(h))
		}
		slices.Sort(out)
		return out
	}
	if got, want := run(0, "-H", "@good"), display(aHosts...); !slices.Equal(got, want) {
		t.Errorf("@good ran on %v, want %v", got, want)
	}
	if got, want := run(4, "-h", filepath.Join(dir, "hosts")), display(bHosts[0], refused); !slices.Equal(got, want) {
		t.Errorf("hosts file ran on %v, want %v", got, want)
	}
	failedTo := filepath.Join(dir, "failed")
	if got := run(4, "-H", "@all", "--exclude", "@file:good!"+aHosts[0], "--failed-to", failedTo); !slices.Equal(got, display(aHosts[0], bHosts[0], refused)) {
		t.Errorf("@all --exclude ran on %v", got)
	}
	if data, _ := os.ReadFile(failedTo); string(data) != bHosts[0]+"\n"+refused+"\n" {
		t.Errorf("--failed-to: %q", data)
	}
	// The retry: the host that exited 3 and the one refused, no other.
	for range 2 {
		if got, want := run(4, "--retry-failed"), display(bHosts[0], refused); !slices.Equal(got, want) {
			t.Errorf("--retry-failed ran on %v, want %v", got, want)
		}
	}
	r := psshEnv(t, env, "", "groups", "unreached", "failed")
	wantCode(t, r, 0)
	if r.stdout != refused+"\n"+bHosts[0]+"\n"+refused+"\n" {
		t.Errorf("pssh groups unreached failed:\n%s", r.stdout)
	}
	// A copy is a run too.
	src := filepath.Join(dir, "hosts")
	r = psshEnv(t, env, "", append([]string{"cp"}, append(slices.Clone(base), "-H", "@good,"+refused, src, filepath.Join(t.TempDir(), "copied"))...)...)
	wantCode(t, r, 4)
	r = psshEnv(t, env, "", "groups", "failed", "succeeded")
	if want := refused + "\n" + strings.Join(aHosts, "\n") + "\n"; r.stdout != want {
		t.Errorf("after cp, failed and succeeded:\n%s\nwant\n%s", r.stdout, want)
	}
}

// TestRecordRun: what a run records, where, and how privately.
func TestRecordRun(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	t.Setenv("XDG_STATE_HOME", state)
	var errOut strings.Builder
	failedTo := filepath.Join(t.TempDir(), "failed.txt")
	recordRun(&groupOptions{failedTo: failedTo}, []hostEnd{
		{"ok1", true, nil},
		{"bad", false, nil}, // a non-zero exit: no error
		{"gone", false, &pssh.ConnectionError{Host: "gone", Err: errors.New("refused")}},
		{"ok2", true, nil},
		{"bob:secret@db[1]:22", false, nil}, // no password is ever recorded
	}, &errOut)
	if errOut.Len() > 0 {
		t.Fatal(errOut.String())
	}
	lr, path, err := readLastRun()
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(state, "pssh", "last-run.json") {
		t.Errorf("recorded in %s", path)
	}
	got, _ := json.Marshal([][]string{lr.Failed, lr.Unreached, lr.Succeeded})
	if string(got) != `[["bad","bob@db[1]:22"],["gone"],["ok1","ok2"]]` {
		t.Errorf("recorded %s", got)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir, failedTo: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v, want mode %v", p, err, mode)
		}
	}
	// A state directory that cannot be made warns, and the run goes on.
	t.Setenv("XDG_STATE_HOME", failedTo) // a file
	recordRun(&groupOptions{}, nil, &errOut)
	if !strings.Contains(errOut.String(), "could not record the failed hosts") {
		t.Errorf("no warning: %q", errOut.String())
	}
	// A relative XDG_STATE_HOME is ignored, as the XDG spec says.
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/someone")
	if p, _ := lastRunFile(); p != "/home/someone/.local/state/pssh/last-run.json" {
		t.Errorf("relative XDG_STATE_HOME: %s", p)
	}
}
