package peercred

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestUIDAndPID checks both ends of a connection within this process:
// the peer is our user and our process.
func TestUIDAndPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, conn := range []*net.UnixConn{s, c} {
		uid, err := UID(conn)
		if err != nil {
			t.Fatal(err)
		}
		if uid != os.Getuid() {
			t.Errorf("peer uid %d, want ours, %d", uid, os.Getuid())
		}
		pid, err := PID(conn)
		if err != nil {
			t.Fatal(err)
		}
		if pid != os.Getpid() {
			t.Errorf("peer pid %d, want ours, %d", pid, os.Getpid())
		}
	}
}
