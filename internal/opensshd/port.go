package opensshd

import (
	"fmt"
	"net"
	"strconv"
)

// portAttempts bounds the search for a port that is free on every address.
const portAttempts = 50

// errPortInUse reports that sshd could not bind its port because something
// else holds it.
const errPortInUse = constError("port already in use")

// constError is an error that can be a constant.
type constError string

// Error implements error.
func (e constError) Error() string { return string(e) }

// freePort returns a TCP port that is currently free on every one of ips.
// The port is released before returning, so sshd can still lose it to
// another process; Start notices and retries.
func freePort(ips []string) (int, error) {
	var lastErr error
	for range portAttempts {
		l, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		if err != nil {
			return 0, fmt.Errorf("opensshd: finding a free port on %s: %w", ips[0], err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		held := []net.Listener{l}
		ok := true
		for _, ip := range ips[1:] {
			l2, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				lastErr = err
				ok = false
				break
			}
			held = append(held, l2)
		}
		for _, h := range held {
			h.Close()
		}
		if ok {
			return port, nil
		}
	}
	return 0, fmt.Errorf("opensshd: no port free on all of %v: %w", ips, lastErr)
}
