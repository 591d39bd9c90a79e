package sshtest

import "testing"

// Start starts a server for the test t, as [NewServer] does: on 127.0.0.1
// with a free port. If the server cannot start, Start fails the test with
// t.Fatal, so call it from the test's goroutine. The server is closed when
// the test and its subtests end (t.Cleanup), and a failure to close it
// fails the test; closing it earlier is harmless.
//
// The zero Config accepts only the server's own client key, which a test's
// client logs in with ([Server.ClientKey]; for package pssh, see package
// [Server.ClientConfig]):
//
//	srv := sshtest.Start(t, sshtest.Config{})
//	client, err := pssh.New([]string{srv.Addr}, srv.ClientConfig())
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing sshtest server %s: %v", srv.Addr, err)
		}
	})
	return srv
}

// StartFleet starts n servers for the test t, as [NewFleet] does, failing
// the test with t.Fatal if they cannot start and closing them when the test
// and its subtests end, as [Start] does. Their client key is one for all
// of them; [Fleet.ClientConfig] configures a pssh client for the host
// list [Fleet.Addrs].
func StartFleet(t testing.TB, n int, cfg Config) *Fleet {
	t.Helper()
	return StartFleetFunc(t, n, func(int) Config { return cfg })
}

// StartFleetFunc is [StartFleet] with a Config of its own for each server,
// as [NewFleetFunc].
func StartFleetFunc(t testing.TB, n int, config func(i int) Config) *Fleet {
	t.Helper()
	f, err := NewFleetFunc(n, config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("closing sshtest fleet: %v", err)
		}
	})
	return f
}
