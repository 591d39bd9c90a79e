// Package peercred tells which user is at the other end of a Unix socket
// (SO_PEERCRED), so that a server listening on one can serve only its own
// user.
package peercred

import (
	"errors"
	"fmt"
	"net"
)

// ErrUnsupported is returned where the system cannot tell a socket's peer.
var ErrUnsupported = errors.New("peer credentials are not supported on this system")

// UID returns the user ID of the process at the other end of c, as the
// kernel recorded it when the connection was made.
func UID(c *net.UnixConn) (int, error) {
	uid, err := peerUID(c)
	if err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	return uid, nil
}

// PID returns the process ID of the process at the other end of c, as the
// kernel recorded it when the connection was made.
func PID(c *net.UnixConn) (int, error) {
	pid, err := peerPID(c)
	if err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	return pid, nil
}
