//go:build linux

package pssh

import (
	"io/fs"
	"syscall"
	"time"
)

// atime returns a file's access time, or its modification time where the
// platform does not tell.
func atime(fi fs.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Atim.Unix())
	}
	return fi.ModTime()
}
