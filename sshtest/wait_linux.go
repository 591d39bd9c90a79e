//go:build linux

package sshtest

import (
	"syscall"
	"unsafe"
)

// waitExit blocks until process pid has exited, without reaping it, so its
// PID and process group ID stay reserved until exec.Cmd.Wait reaps it. It
// reports whether it succeeded.
func waitExit(pid int) bool {
	const pPID = 1 // idtype_t P_PID
	var siginfo [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&siginfo[0])), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch errno {
		case 0:
			return true
		case syscall.EINTR:
			continue
		default:
			return false
		}
	}
}
