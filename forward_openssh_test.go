package pssh_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
)

func pageServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func getPage(t *testing.T, hc *http.Client, u string) string {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenSSHForwardLocal(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	srv := pageServer(t)
	for _, local := range []string{"127.0.0.1:0", ":0", "0", ""} {
		fwd, err := c.ForwardLocal(ctxT(t), 0, local, srv.Listener.Addr().String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := fwd.Addr().(*net.TCPAddr)
		if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
			t.Errorf("%q: bound %v", local, addr)
		}
		hc := &http.Client{Transport: &http.Transport{}}
		if got := getPage(t, hc, "http://"+addr.String()+"/a"); got != "page /a" {
			t.Errorf("through %v: %q", addr, got)
		}
		hc.CloseIdleConnections()
		if err := fwd.Close(); err != nil || fwd.Err() != nil {
			t.Errorf("Close %v, Err %v", err, fwd.Err())
		}
	}
}

// TestOpenSSHForwardCloseEndsTunnels: Close closes an open tunnel and the
// listener; a context ending does too, and is the forward's error.
func TestOpenSSHForwardCloseEndsTunnels(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := target.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	for _, viaCtx := range []bool{false, true} {
		fwd, err := c.ForwardLocal(ctx, 0, "127.0.0.1:0", target.Addr().String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		in, err := net.Dial("tcp", fwd.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		far := <-accepted
		// A round trip proves the tunnel is open end to end.
		io.WriteString(in, "ping\n")
		if line, err := bufio.NewReader(far).ReadString('\n'); line != "ping\n" {
			t.Fatalf("far end read %q, %v", line, err)
		}
		if viaCtx {
			cancel()
			<-fwd.Done()
			var se *pssh.SessionError
			if err := fwd.Err(); !errors.As(err, &se) || se.Op != "forward" || se.Host != s.Addrs[0] || !errors.Is(err, context.Canceled) {
				t.Errorf("Err after cancel: %v", err)
			}
		} else {
			fwd.Close()
		}
		in.SetReadDeadline(time.Now().Add(30 * time.Second))
		if n, err := in.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("local end still open after Close: %d, %v", n, err)
		}
		far.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadAll(far); err != nil {
			t.Errorf("far end not closed: %v", err)
		}
		far.Close()
		in.Close()
		if conn, err := net.Dial("tcp", fwd.Addr().String()); err == nil {
			conn.Close()
			t.Errorf("still listening on %v", fwd.Addr())
		}
	}
}

func TestOpenSSHForwardRemote(t *testing.T) {
	requireCommand(t, "nc")
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	local, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := local.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer conn.Close()
		line, err := bufio.NewReader(conn).ReadString('\n')
		got <- line
		if err == nil {
			io.WriteString(conn, "world\n")
		}
	}()
	fwd, err := c.ForwardRemote(ctxT(t), 0, "", local.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()
	port := fwd.Addr().(*net.TCPAddr).Port
	if port == 0 {
		t.Fatalf("no bound port in %v", fwd.Addr())
	}
	outs, err := c.Run(ctxT(t), fmt.Sprintf("echo hello | nc -N 127.0.0.1 %d", port), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := joinLines(outs[0].Stdout); out != "world" {
		t.Errorf("remote nc printed %q (stderr %q)", out, joinLines(outs[0].Stderr))
	}
	if line := <-got; line != "hello\n" {
		t.Errorf("local listener read %q", line)
	}
	if err := fwd.Close(); err != nil || fwd.Err() != nil {
		t.Errorf("Close %v, Err %v", err, fwd.Err())
	}
	// Closed: the server no longer listens there.
	outs, err = c.Run(ctxT(t), fmt.Sprintf("nc -z 127.0.0.1 %d", port), nil)
	if err != nil {
		t.Fatal(err)
	}
	stderr := joinLines(outs[0].Stderr)
	if code, ok := outs[0].ExitCode(); !ok || code == 0 {
		t.Errorf("port %d still open on the host after Close: exit %d %v, stderr %q", port, code, ok, stderr)
	}
}

func TestOpenSSHSocks(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	srv := pageServer(t)
	errc := make(chan error, 1)
	onError := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	fwd, err := c.Socks(ctxT(t), 0, "127.0.0.1:0", &pssh.ForwardOptions{OnError: onError})
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "socks5", Host: fwd.Addr().String()})}}
	defer hc.CloseIdleConnections()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL + "/ip", "http://localhost:" + port + "/name"} {
		want := "page " + u[strings.LastIndex(u, "/"):]
		if got := getPage(t, hc, u); got != want {
			t.Errorf("%s: %q, want %q", u, got, want)
		}
	}
	// A port nothing listens on: the proxy answers a failure, and says why.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	if resp, err := hc.Get("http://" + deadAddr + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("GET through the proxy to a closed port succeeded")
	}
	fwdErr := <-errc
	var se *pssh.SessionError
	if !errors.As(fwdErr, &se) || se.Host != s.Addrs[0] || se.Op != "forward" || !strings.Contains(se.Error(), deadAddr) {
		t.Errorf("forward error %v", fwdErr)
	}
}

// TestForwardRefusesNonLoopback needs no server: the address is checked
// before connecting.
func TestForwardRefusesNonLoopback(t *testing.T) {
	c := newClient(t, []string{"127.0.0.1:1"}, &pssh.Config{IgnoreSSHConfig: true, User: "u", NoAgent: true, NoDefaultKeys: true, KnownHostsFiles: []string{writeFile(t, "kh", "")}})
	ctx := ctxT(t)
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.1:80", "example.org:80"} {
		if _, err := c.ForwardLocal(ctx, 0, addr, "127.0.0.1:80", nil); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("ForwardLocal %s: %v", addr, err)
		}
		if _, err := c.ForwardRemote(ctx, 0, addr, "127.0.0.1:80", nil); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("ForwardRemote %s: %v", addr, err)
		}
		if _, err := c.Socks(ctx, 0, addr, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("Socks %s: %v", addr, err)
		}
	}
	// Allowed, it gets as far as connecting (to a closed port).
	_, err := c.ForwardLocal(ctx, 0, "0.0.0.0:0", "127.0.0.1:80", &pssh.ForwardOptions{AllowNonLoopback: true})
	var ce *pssh.ConnectionError
	if !errors.As(err, &ce) {
		t.Errorf("allowed non-loopback: %v, want a *ConnectionError", err)
	}
	if _, err := c.ForwardLocal(ctx, 1, "", "127.0.0.1:80", nil); err == nil {
		t.Error("host index 1 of 1 accepted")
	}
}

// TestOpenSSHForwardAllowNonLoopback binds the wildcard address when allowed.
func TestOpenSSHForwardAllowNonLoopback(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	srv := pageServer(t)
	fwd, err := c.ForwardLocal(ctxT(t), 0, "0.0.0.0:0", srv.Listener.Addr().String(), &pssh.ForwardOptions{AllowNonLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()
	if ip := fwd.Addr().(*net.TCPAddr).IP; !ip.IsUnspecified() {
		t.Errorf("bound %v", fwd.Addr())
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	port := fwd.Addr().(*net.TCPAddr).Port
	if got := getPage(t, hc, fmt.Sprintf("http://127.0.0.1:%d/w", port)); got != "page /w" {
		t.Errorf("%q", got)
	}
}

// TestOpenSSHClientCloseStopsForwards: closing the Client stops its forwards.
func TestOpenSSHClientCloseStopsForwards(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c, err := pssh.New(s.Addrs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fwd, err := c.ForwardLocal(ctxT(t), 0, "", "127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-fwd.Done()
	if conn, err := net.Dial("tcp", fwd.Addr().String()); err == nil {
		conn.Close()
		t.Errorf("still listening on %v after Client.Close", fwd.Addr())
	}
}

// TestOpenSSHForwardConnectionLost: a remote forward stops with the host's
// connection, and a local forward redials it for its next connection.
func TestOpenSSHForwardConnectionLost(t *testing.T) {
	s, cfg := openSSH(t, opensshd.Options{})
	c := newClient(t, s.Addrs, cfg)
	srv := pageServer(t)
	ctx := ctxT(t)
	local, err := c.ForwardLocal(ctx, 0, "", srv.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	remote, err := c.ForwardRemote(ctx, 0, "", srv.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	// The shell's parent is the session's sshd process: killing it cuts
	// the connection.
	outs, err := c.Run(ctx, "kill -9 $PPID", nil)
	if err != nil {
		t.Fatal(err)
	}
	joinLines(outs[0].Stdout)
	<-remote.Done()
	var se *pssh.SessionError
	if err := remote.Err(); !errors.As(err, &se) || se.Op != "forward" || !strings.Contains(err.Error(), "lost") {
		t.Errorf("remote forward stopped with %v", err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	if got := getPage(t, hc, "http://"+local.Addr().String()+"/again"); got != "page /again" {
		t.Errorf("after reconnect: %q", got)
	}
	if local.Err() != nil {
		t.Errorf("local forward: %v", local.Err())
	}
}
