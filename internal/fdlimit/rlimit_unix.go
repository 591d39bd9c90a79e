//go:build linux || darwin

package fdlimit

import "syscall"

// get reads RLIMIT_NOFILE. Values at or above 2^63-1 (RLIM_INFINITY on
// Linux and on macOS) are reported as Unlimited.
func get() (soft, hard uint64, ok bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, false
	}
	return fromRaw(r.Cur), fromRaw(r.Max), true
}

func fromRaw(v uint64) uint64 {
	if v >= 1<<63-1 {
		return Unlimited
	}
	return v
}

// set sets the soft limit of RLIMIT_NOFILE, keeping the hard one as the
// system has it; Unlimited means the hard limit.
func set(soft uint64) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return err
	}
	r.Cur = min(soft, r.Max)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
}
