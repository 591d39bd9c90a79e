//go:build unix && !linux

package sshtest

// waitExit would wait for pid to exit without reaping it. Not implemented
// here: callers then reap with exec.Cmd.Wait directly, and a signal racing
// with the reaping may in rare cases reach a recycled process group.
func waitExit(pid int) bool {
	return false
}
