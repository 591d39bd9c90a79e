package sshtest

import (
	"strconv"
	"strings"
	"syscall"
)

// signalByName returns the signal named by an SSH "signal" request, such as
// "TERM" (RFC 4254 section 6.9). A "SIG" prefix is tolerated.
func signalByName(name string) (syscall.Signal, bool) {
	switch strings.TrimPrefix(name, "SIG") {
	case "ABRT":
		return syscall.SIGABRT, true
	case "ALRM":
		return syscall.SIGALRM, true
	case "CONT":
		return syscall.SIGCONT, true
	case "FPE":
		return syscall.SIGFPE, true
	case "HUP":
		return syscall.SIGHUP, true
	case "ILL":
		return syscall.SIGILL, true
	case "INT":
		return syscall.SIGINT, true
	case "KILL":
		return syscall.SIGKILL, true
	case "PIPE":
		return syscall.SIGPIPE, true
	case "QUIT":
		return syscall.SIGQUIT, true
	case "SEGV":
		return syscall.SIGSEGV, true
	case "STOP":
		return syscall.SIGSTOP, true
	case "TERM":
		return syscall.SIGTERM, true
	case "TSTP":
		return syscall.SIGTSTP, true
	case "USR1":
		return syscall.SIGUSR1, true
	case "USR2":
		return syscall.SIGUSR2, true
	case "WINCH":
		return syscall.SIGWINCH, true
	}
	return 0, false
}

// signalName returns the SSH name of sig for an "exit-signal" request: the
// usual name without "SIG", or "SIG<number>@sshtest" for unusual signals.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGABRT:
		return "ABRT"
	case syscall.SIGALRM:
		return "ALRM"
	case syscall.SIGBUS:
		return "BUS"
	case syscall.SIGFPE:
		return "FPE"
	case syscall.SIGHUP:
		return "HUP"
	case syscall.SIGILL:
		return "ILL"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGKILL:
		return "KILL"
	case syscall.SIGPIPE:
		return "PIPE"
	case syscall.SIGQUIT:
		return "QUIT"
	case syscall.SIGSEGV:
		return "SEGV"
	case syscall.SIGSYS:
		return "SYS"
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGTRAP:
		return "TRAP"
	case syscall.SIGUSR1:
		return "USR1"
	case syscall.SIGUSR2:
		return "USR2"
	case syscall.SIGXCPU:
		return "XCPU"
	case syscall.SIGXFSZ:
		return "XFSZ"
	}
	return "SIG" + strconv.Itoa(int(sig)) + "@sshtest"
}
