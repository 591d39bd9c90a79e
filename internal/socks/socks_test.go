package socks

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// rw is a scripted client: reads come from in, writes go to out.
type rw struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (r *rw) Read(p []byte) (int, error)  { return r.in.Read(p) }
func (r *rw) Write(p []byte) (int, error) { return r.out.Write(p) }

func script(b ...byte) *rw { return &rw{in: bytes.NewReader(b)} }

func TestHandshakeAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  []byte
		want string
	}{
		{"ipv4", []byte{5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90}, "127.0.0.1:8080"},
		{"ipv6", append(append([]byte{5, 1, 0, 4}, net.IPv6loopback...), 0, 80), "[::1]:80"},
		{"domain", append(append([]byte{5, 1, 0, 3, 11}, "example.org"...), 1, 187), "example.org:443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := script(append([]byte{5, 2, 2, 0}, tc.req...)...)
			got, err := Handshake(c)
			if err != nil || got != tc.want {
				t.Fatalf("Handshake = %q, %v; want %q", got, err, tc.want)
			}
			if !bytes.Equal(c.out.Bytes(), []byte{5, 0}) {
				t.Errorf("method answer % x", c.out.Bytes())
			}
		})
	}
}

func TestHandshakeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		code  byte
		reply []byte
	}{
		{"auth only", []byte{5, 1, 2}, NotAllowed, []byte{5, 0xff}},
		{"bind", []byte{5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80}, CommandUnsupported, []byte{5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"udp", []byte{5, 1, 0, 5, 3, 0, 1, 127, 0, 0, 1, 0, 80}, CommandUnsupported, []byte{5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"atyp", []byte{5, 1, 0, 5, 1, 0, 9}, AddressUnsupported, []byte{5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := script(tc.in...)
			_, err := Handshake(c)
			var se *Error
			if !errors.As(err, &se) || se.Code != tc.code || ErrorCode(err) != tc.code {
				t.Fatalf("err %v, want code %d", err, tc.code)
			}
			if !bytes.Equal(c.out.Bytes(), tc.reply) {
				t.Errorf("sent % x, want % x", c.out.Bytes(), tc.reply)
			}
		})
	}
	for _, in := range [][]byte{{4, 1}, {5}, {5, 1, 0, 5, 1, 0, 3, 9, 'a'}} {
		if _, err := Handshake(script(in...)); err == nil {
			t.Errorf("% x: no error", in)
		}
	}
	if _, err := Handshake(script(5, 1, 0, 5, 1, 0, 1, 1)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short address: %v", err)
	}
}

// TestWithNetHTTP serves net/http's own SOCKS5 client, dialing directly.
func TestWithNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				target, err := Handshake(c)
				if err != nil {
					return
				}
				out, err := net.Dial("tcp", target)
				if err != nil {
					Reply(c, HostUnreachable)
					return
				}
				defer out.Close()
				Reply(c, Succeeded)
				go io.Copy(out, c)
				io.Copy(c, out)
			}()
		}
	}()
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "socks5", Host: ln.Addr().String()})}}
	defer hc.CloseIdleConnections()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "hi" {
			t.Errorf("%s: %q", u, b)
		}
	}
}
