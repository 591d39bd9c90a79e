//go:build !unix

package knownhosts

import "os"

// Without flock, appends are serialized within the process only.
func lock(*os.File) error { return nil }

func unlock(*os.File) {}
