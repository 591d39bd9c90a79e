package sshtest

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recordingTB is a testing.TB that records Fatal and Errorf and runs the
// cleanups at the end of run, to test what Start does with its t.
type recordingTB struct {
	testing.TB // the real test, for the methods not overridden
	cleanups   []func()
	fatal      string
	errors     []string
}

func (r *recordingTB) Helper()           {}
func (r *recordingTB) Cleanup(f func())  { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Fatal(args ...any) { r.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// run calls f with r in a goroutine of its own, as the testing package runs
// a test (so that Fatal's Goexit ends only f), then runs the cleanups, last
// registered first.
func (r *recordingTB) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// closed reports whether nothing listens on addr any more.
func closed(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func TestStart(t *testing.T) {
	t.Parallel()
	handler := Output([]byte("ok\n"), nil, Exit{})
	tests := []struct {
		name  string
		start func(t testing.TB) []*Server
	}{
		{"Start", func(t testing.TB) []*Server {
			return []*Server{Start(t, Config{})}
		}},
		{"StartFleet", func(t testing.TB) []*Server {
			return StartFleet(t, 3, Config{}).Servers
		}},
		{"StartFleetFunc", func(t testing.TB) []*Server {
			return StartFleetFunc(t, 3, func(i int) Config {
				if i == 1 {
					return Config{Handler: handler}
				}
				return Config{}
			}).Servers
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingTB{TB: t}
			var servers []*Server
			rec.run(func(tb testing.TB) {
				servers = tt.start(tb)
				for _, srv := range servers {
					if err := login(srv, srv.ClientKey()); err != nil {
						t.Errorf("%s: %v", srv.Addr, err)
					}
				}
			})
			if rec.fatal != "" || len(rec.errors) > 0 {
				t.Fatalf("Fatal %q, errors %q", rec.fatal, rec.errors)
			}
			if len(servers) == 0 {
				t.Fatal("no servers")
			}
			for _, srv := range servers {
				if !closed(srv.Addr) {
					t.Errorf("%s still listens after the test's cleanups", srv.Addr)
				}
			}
		})
	}
}

func TestStartFails(t *testing.T) {
	t.Parallel()
	noPEM := &Key{Signer: mustKey(t).Signer}
	tests := []struct {
		name      string
		start     func(t testing.TB)
		wantFatal string
	}{
		{"Start", func(t testing.TB) { Start(t, Config{ClientKey: noPEM}) }, "ClientKey needs both Signer and PEM"},
		{"StartFleet", func(t testing.TB) { StartFleet(t, -1, Config{}) }, "negative fleet size"},
		{"StartFleetFunc", func(t testing.TB) {
			StartFleetFunc(t, 2, func(i int) Config {
				if i == 1 {
					return Config{ClientKey: noPEM}
				}
				return Config{}
			})
		}, "ClientKey needs both Signer and PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingTB{TB: t}
			returned := false
			rec.run(func(tb testing.TB) {
				tt.start(tb)
				returned = true
			})
			if returned {
				t.Error("returned after failing to start")
			}
			if !strings.Contains(rec.fatal, tt.wantFatal) {
				t.Errorf("Fatal %q, want it to say %q", rec.fatal, tt.wantFatal)
			}
			if len(rec.cleanups) != 0 {
				t.Errorf("%d cleanups registered for nothing started", len(rec.cleanups))
			}
		})
	}
}
