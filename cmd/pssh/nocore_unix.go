//go:build unix

package main

import "syscall"

// disableCoreDumps sets the soft core-file size limit to zero, so that a
// crash never writes pssh's memory, where a password or passphrase may be,
// to a core file. The hard limit is left alone.
func disableCoreDumps() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		return err
	}
	lim.Cur = 0
	return syscall.Setrlimit(syscall.RLIMIT_CORE, &lim)
}
