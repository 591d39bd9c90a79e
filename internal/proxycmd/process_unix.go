//go:build unix

package proxycmd

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup runs the command in its own process group, so that
// killing the group also ends what the shell started.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
}
