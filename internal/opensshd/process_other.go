//go:build !unix

package opensshd

import (
	"os"
	"os/exec"
)

// setProcessGroup does nothing where process groups do not exist.
func setProcessGroup(cmd *exec.Cmd) {}

// killProcessTree kills p; its children are not tracked on this system.
func killProcessTree(p *os.Process) {
	_ = p.Kill()
}
