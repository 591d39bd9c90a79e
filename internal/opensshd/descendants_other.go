//go:build !linux

package opensshd

// descendants cannot list a process's children without /proc; only the
// process group is killed there.
func descendants(pid int) []int {
	return nil
}
