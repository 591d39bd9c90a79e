//go:build !linux

package peercred

import "net"

func peerUID(*net.UnixConn) (int, error) { return -1, ErrUnsupported }

func peerPID(*net.UnixConn) (int, error) { return -1, ErrUnsupported }
