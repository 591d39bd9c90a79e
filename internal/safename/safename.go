// Package safename keeps names that become paths inside the directory
// they are joined to: a host name made a file or directory name (the
// library's fetches, the pssh command's -o, -e and slurp files), and a file
// name a server sends (a directory listing over SFTP, a record over SCP).
package safename

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Host returns a host name (an entry of the host list, an alias) as one
// path component: '/', the OS's separator and NUL become '_', and a name
// that would be empty, "." or ".." gets a '_' in front ("_.."). Joined to
// a directory, it names an entry of that directory, never the directory
// itself or its parent.
func Host(name string) string {
	name = strings.NewReplacer("/", "_", string(filepath.Separator), "_", "\x00", "_").Replace(name)
	if name == "" || name == "." || name == ".." {
		name = "_" + name
	}
	return name
}

// Check returns an error unless name, sent by a server as the name of a
// file in a directory, is one path component: not empty, ".", "..", and
// without '/', the OS's separator or NUL.
func Check(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"+string(filepath.Separator)) {
		return fmt.Errorf("refusing file name %q from the host: not a name within its directory", name)
	}
	return nil
}
