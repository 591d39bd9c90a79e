package peercred

import (
	"net"

	"golang.org/x/sys/unix"
)

func peerUID(c *net.UnixConn) (int, error) {
	cred, err := ucred(c)
	if err != nil {
		return -1, err
	}
	return int(cred.Uid), nil
}

func peerPID(c *net.UnixConn) (int, error) {
	cred, err := ucred(c)
	if err != nil {
		return -1, err
	}
	return int(cred.Pid), nil
}

// ucred is the socket's SO_PEERCRED.
func ucred(c *net.UnixConn) (*unix.Ucred, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := rc.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, credErr
}
