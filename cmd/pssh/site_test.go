package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopssh/pssh/cluster"
)

// Each host's site: its hosts-file line's site=, or else its inventory's
// pssh_site or site, or else --site, or else "default".
func TestHostSites(t *testing.T) {
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	os.WriteFile(hosts, []byte(`a1 a2 site=east   # east's
site=west b[1-2],tester@b3:2222
c1
a1 site=west      # a1 again: its first line's site stays
inv1
`), 0o600)
	inv := filepath.Join(dir, "inv.yml")
	os.WriteFile(inv, []byte(`all:
  hosts:
    inv1:
      site: north
    c1:
  children:
    south:
      hosts:
        inv2:
      vars:
        pssh_site: south
        site: ignored
`), 0o600)
	tests := []struct {
		name string
		o    options
		site string
		want string
	}{
		{"file, default", options{hostFiles: []string{hosts}}, "",
			"a1=east a2=east b1=west b2=west tester@b3:2222=west c1=default inv1=default"},
		{"file, --site for the rest", options{hostFiles: []string{hosts}, hostLists: []string{"d1"}}, "lab",
			"a1=east a2=east b1=west b2=west tester@b3:2222=west c1=lab inv1=lab d1=lab"},
		{"inventory", options{hostFiles: []string{hosts}, hostLists: []string{"inv2"}, groupOptions: groupOptions{inventories: []string{inv}}}, "",
			"a1=east a2=east b1=west b2=west tester@b3:2222=west c1=default inv1=north inv2=south"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, sites, err := loadHostSites(&tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.o.hostSites(list, sites, cmp.Or(tt.site, cluster.DefaultSite))
			if err != nil {
				t.Fatal(err)
			}
			var words []string
			for _, h := range got {
				words = append(words, h.Name+"="+h.Site)
			}
			if s := strings.Join(words, " "); s != tt.want {
				t.Errorf("sites\n%s\nwant\n%s", s, tt.want)
			}
		})
	}
}

func TestHostSiteErrors(t *testing.T) {
	for _, line := range []string{"a site=east site=west", "a site=no.dots", "a site="} {
		hosts := filepath.Join(t.TempDir(), "hosts")
		os.WriteFile(hosts, []byte("ok\n"+line+"\n"), 0o600)
		_, _, err := loadHostSites(&options{hostFiles: []string{hosts}})
		if err == nil || !strings.Contains(err.Error(), hosts+":2: ") {
			t.Errorf("%q: error %v, want one at %s:2", line, err, hosts)
		}
	}
}

// background starts pssh with args and env ("NAME=value"), reads its
// standard output until a line is want, and stops it (SIGTERM) at the end
// of the test.
func background(t *testing.T, env []string, want string, args ...string) {
	t.Helper()
	cmd := exec.Command(psshBin, args...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
	})
	sc := bufio.NewScanner(out)
	found := want == ""
	for !found && sc.Scan() {
		found = sc.Text() == want
	}
	go func() {
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(done)
	}()
	if !found {
		<-done
		t.Fatalf("pssh %q ended before printing %q: %s", args, want, errb.String())
	}
}

// clusterEnv starts "pssh cluster up" with args (--workers 0 when none)
// and returns the environment its env file gives submitters and workers,
// with the submitter key it trusts.
func clusterEnv(t *testing.T, args ...string) (env []string, submitKey string) {
	t.Helper()
	if len(args) == 0 {
		args = []string{"--workers", "0"}
	}
	dir, key := t.TempDir(), filepath.Join(t.TempDir(), "key")
	background(t, nil, "ready", append([]string{"cluster", "up", "--dir", dir, "--submit-key", key}, args...)...)
	data, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines(string(data)) {
		name, value, _ := strings.Cut(line, "=")
		env = append(env, name+"="+strings.Trim(value, "'"))
	}
	return env, key
}

// One run's hosts go to the workers of their sites: each site's worker
// knows only its own site's host keys, so a host sent to the wrong site
// fails.
func TestSitesThroughWorkers(t *testing.T) {
	east, west := newBed(t, 2), newBed(t, 2)
	env, key := clusterEnv(t)
	for site, b := range map[string]*bed{"east": east, "west": west} {
		background(t, env, "", append([]string{"worker", "--site", site, "--name", site}, b.auth()...)...)
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	var list bytes.Buffer
	for _, h := range east.hosts() {
		fmt.Fprintf(&list, "tester@%s site=east\n", h)
	}
	fmt.Fprintf(&list, "site=west %s\n", strings.Join(west.hosts(), ","))
	os.WriteFile(hosts, list.Bytes(), 0o600)

	out := t.TempDir()
	r := psshEnv(t, env, "", "--submit-key", key, "-l", "tester", "-h", hosts, "-o", out, "echo ok")
	wantCode(t, r, 0)
	got := statuses(t, r.stdout)
	for _, h := range append(east.hosts(), west.hosts()...) {
		if s, ok := got[h]; !ok || !s.ok {
			t.Errorf("%s: %+v, %t; want a success (stdout %s, stderr %s)", h, s, ok, r.stdout, r.stderr)
		}
		if data, err := os.ReadFile(filepath.Join(out, h)); string(data) != "ok\n" {
			t.Errorf("%s: output %q, %v; want \"ok\\n\"", h, data, err)
		}
	}
}
