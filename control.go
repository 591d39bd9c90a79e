package pssh

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A control master is a Client that lends its kept connections to other
// Clients, in this process or others, over a Unix socket: see
// [Client.ServeControl] for the master and Config.ControlPath for the
// Clients that attach to it. A command through the master costs a
// channel open and an exec on a connection already made: two round trips
// instead of the eight or so of a new connection.
//
// Only the user who started the master may attach (the socket's
// directory is the user's alone, and the master checks each peer's user
// ID), and the master serves a host only to a Client whose credentials
// for it are its own: the same user, address, keys and password, and
// known_hosts policy and files (a Config.HostKeyCallback counts as one
// policy: the master checks host keys with its own).

// DefaultControlPath returns the control master socket used when none is
// named: "pssh/control" under $XDG_RUNTIME_DIR, or /tmp/pssh-UID/control.
func DefaultControlPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "pssh", "control")
	}
	return filepath.Join(os.TempDir(), "pssh-"+strconv.Itoa(os.Getuid()), "control")
}

// controlDir makes sure the directory of the socket path exists and is
// the user's alone (created with mode 0700 if missing): nobody else may
// reach the socket.
func controlDir(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case ok && int(st.Uid) != os.Getuid():
		return fmt.Errorf("%s belongs to user %d, not to us (%d)", dir, st.Uid, os.Getuid())
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s is open to other users (mode %v): make it 0700", dir, fi.Mode().Perm()&fs.ModePerm)
	}
	return nil
}

// credentials identifies where h goes and as whom: its user and address,
// its route, the settings its authentication methods were made from, and
// its host key check. Two Clients with the same for a host may share its
// connection.
func (c *Client) credentials(h *host) string {
	var b strings.Builder
	fmt.Fprintf(&b, "user %q\naddr %q\nproxy %q\n", h.user, h.addr, h.proxyCommand)
	for _, hop := range h.hops {
		fmt.Fprintf(&b, "hop %q %q %q\n", hop.user, hop.addr, c.credIDs[hop.auth])
	}
	fmt.Fprintf(&b, "auth %q\n", c.credIDs[h.auth])
	if h.known != nil {
		fmt.Fprintf(&b, "known_hosts %q\n", c.credIDs[h.known])
	} else {
		b.WriteString("host key callback\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
