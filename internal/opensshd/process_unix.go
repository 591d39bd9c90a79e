//go:build unix

package opensshd

import (
	"os"
	"os/exec"
	"syscall"
)

// maxTreeScans bounds how often the process tree is rescanned for children
// forked while it was being frozen.
const maxTreeScans = 100

// setProcessGroup makes cmd the leader of a new process group, so that it
// and the children that stay in its group can be signalled together.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessTree kills p, its process group and all its descendants.
//
// sshd's per-connection children call setsid and so leave sshd's process
// group; they and the user sessions under them are found through their
// parent process ids (on Linux) instead. Everything is stopped first, so
// nothing can fork a child that escapes, and killed after.
func killProcessTree(p *os.Process) {
	pid := p.Pid
	_ = syscall.Kill(-pid, syscall.SIGSTOP)
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	frozen := make(map[int]bool)
	for range maxTreeScans {
		found := false
		for _, c := range descendants(pid) {
			if !frozen[c] {
				frozen[c] = true
				found = true
				_ = syscall.Kill(c, syscall.SIGSTOP)
			}
		}
		if !found {
			break
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for c := range frozen {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
}
