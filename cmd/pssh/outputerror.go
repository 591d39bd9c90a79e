package main

import (
	"fmt"
)

// outputError is a host whose output pssh could not keep whole: its -o or
// -e file could not be created, written or closed (a full or size-limited
// filesystem, a name the filesystem refuses), or the temporary file in
// which -i, -b and --json keep output until they show it could not be
// written. The host may have run its command to the end; what pssh kept of
// its output is incomplete.
//
// It is the CLI's own failure, not the remote host's, so the library's
// FailureKind does not cover it: exitcode.go maps it to the --json error
// kind "output" and exit status 1, ahead of every failure of the hosts.
type outputError struct {
	Host   string // the host, as in the host list
	Stream string // "stdout" or "stderr"
	Path   string // the -o/-e file; "" for a view's temporary file
	Op     string // "create", "write" or "close" (of a -o/-e file)
	Kept   int64  // bytes of the stream kept before the failure
	Err    error  // the cause: without the path for a -o/-e file
}

func (e *outputError) Error() string { return e.Host + ": " + e.short() }

// short is the error without the host, for the host's status line.
func (e *outputError) short() string {
	if e.Path == "" {
		return fmt.Sprintf("%s not kept whole (temporary file, after %d bytes): %v", e.Stream, e.Kept, e.Err)
	}
	if e.Op == "create" {
		return fmt.Sprintf("%s not kept: create %s: %v", e.Stream, e.Path, e.Err)
	}
	return fmt.Sprintf("%s not kept whole: %s %s after %d bytes: %v", e.Stream, e.Op, e.Path, e.Kept, e.Err)
}

func (e *outputError) Unwrap() error { return e.Err }
