package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gopssh/pssh/internal/opensshd"
)

func TestParseForward(t *testing.T) {
	tests := []struct {
		kind           byte
		spec           string
		listen, target string
		bad            bool
	}{
		{'L', "8080:localhost:80", "8080", "localhost:80", false},
		{'L', "127.0.0.1:8080:db:5432", "127.0.0.1:8080", "db:5432", false},
		{'L', "[::1]:8080:[2001:db8::1]:22", "[::1]:8080", "[2001:db8::1]:22", false},
		{'R', "0:127.0.0.1:9000", "0", "127.0.0.1:9000", false},
		{'D', "1080", "1080", "", false},
		{'D', "127.0.0.1:1080", "127.0.0.1:1080", "", false},
		{'L', "8080", "", "", true},
		{'L', "a:b:c:d:e", "", "", true},
		{'D', "a:b:c", "", "", true},
		{'L', "[::1:80:x:1", "", "", true},
	}
	for _, tt := range tests {
		listen, target, err := parseForward(tt.kind, tt.spec)
		if tt.bad {
			if err == nil {
				t.Errorf("-%c %q: no error", tt.kind, tt.spec)
			}
			continue
		}
		if err != nil || listen != tt.listen || target != tt.target {
			t.Errorf("-%c %q = %q, %q, %v; want %q, %q", tt.kind, tt.spec, listen, target, err, tt.listen, tt.target)
		}
	}
}

// TestForward runs pssh forward with -L and -D through a real sshd to a
// local web server, reads a page both ways, and stops it with Ctrl-C.
func TestForward(t *testing.T) {
	s := opensshd.StartT(t, opensshd.Options{})
	user, _ := opensshd.EnsureTestUser(t)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "through the tunnel") }))
	defer web.Close()
	webAddr := strings.TrimPrefix(web.URL, "http://")

	cmd := exec.Command(psshBin, "forward", "-H", fmt.Sprintf("%s@%s", user, s.Addrs[0]), "--key", s.ClientKeyFile,
		"-O", "UserKnownHostsFile="+s.KnownHostsFile, "-L", "0:"+webAddr, "-D", "0")
	cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	var local, socks string
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) > 1 && f[0] == "forwarding" {
			local = f[1]
		}
		if rest, ok := strings.CutPrefix(line, "SOCKS5 proxy on "); ok {
			socks = strings.Fields(rest)[0]
		}
		if strings.HasPrefix(line, "ready") {
			break
		}
	}
	if local == "" || socks == "" {
		t.Fatalf("no forwarding lines; stderr: %s", stderr.String())
	}
	get := func(client *http.Client, u string) string {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(http.DefaultClient, "http://"+local+"/"); got != "through the tunnel" {
		t.Errorf("-L: %q", got)
	}
	proxy, _ := url.Parse("socks5://" + socks)
	viaSocks := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	if got := get(viaSocks, web.URL); got != "through the tunnel" {
		t.Errorf("-D: %q", got)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pssh forward after Ctrl-C: %v; stderr: %s", err, stderr.String())
	}
}

func TestForwardUsage(t *testing.T) {
	for _, args := range [][]string{
		{"forward", "-H", "a"},                   // no spec
		{"forward", "-H", "a,b", "-L", "1:x:2"},  // two hosts
		{"forward", "-H", "a", "-L", "nonsense"}, // bad spec
		{"-H", "a", "-R", "1:x:2", "true"},       // -R outside forward (-L is clush's -L there)
		{"-H", "a", "--env", "novalue", "true"},  // bad --env
	} {
		r := runPssh(t, args...)
		wantCode(t, r, 2)
	}
}

func TestEnvFlag(t *testing.T) {
	b := newBed(t, 2)
	r := runPssh(t, append(b.flags(), "--env", "PSSH_GREETING=hello world", "-i", `echo "$PSSH_GREETING"`)...)
	wantCode(t, r, 0)
	if strings.Count(r.stdout, "hello world\n") != 2 {
		t.Fatalf("stdout %q", r.stdout)
	}
}

func TestForwardFlags(t *testing.T) {
	var got *forwardOptions
	err := parseSubcommand(newCmdForward(testStreams(""), func(o *forwardOptions) error { got = o; return nil }),
		"-H", "bastion", "-L", "8080:intranet:80", "--remote-forward=0:127.0.0.1:9000", "-D1080", "--key", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.forwards, []string{"L8080:intranet:80", "R0:127.0.0.1:9000", "D1080"}) || got.key != "k" {
		t.Errorf("%+v", got)
	}
}
