package groups

import (
	"fmt"
	"strings"
)

// UnknownGroupError is a group that no source defines, or a source that
// does not exist.
type UnknownGroupError struct {
	Group    string // the name, without "@" and source
	Source   string // the source named, "" for none
	NoSource bool   // the source itself does not exist
}

// Error says which group or source is unknown, e.g. `unknown group @web`.
func (e *UnknownGroupError) Error() string {
	switch {
	case e.NoSource:
		return fmt.Sprintf("unknown group source %q in @%s:%s", e.Source, e.Source, e.Group)
	case e.Source != "":
		return fmt.Sprintf("unknown group @%s:%s", e.Source, e.Group)
	}
	return fmt.Sprintf("unknown group @%s", e.Group)
}

// CycleError is a group that contains itself, through the groups in Path.
type CycleError struct {
	Path []string // "@source:name" of each group, the first one repeated last
}

// Error shows the cycle, e.g. "group cycle: @f:a -> @f:b -> @f:a".
func (e *CycleError) Error() string {
	return "group cycle: " + strings.Join(e.Path, " -> ")
}

// CommandError is a ClusterShell external command (map, list, all) that
// failed: it could not start or exited non-zero.
type CommandError struct {
	Source  string // the group source
	Upcall  string // "map", "list" or "all"
	Command string // the command line, variables replaced
	Stderr  string // the end of what it wrote on its standard error
	Err     error  // from os/exec
}

// Error names the source, the upcall and the failure.
func (e *CommandError) Error() string {
	msg := fmt.Sprintf("group source %s: %s command %q: %v", e.Source, e.Upcall, e.Command, e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// Unwrap returns the error of os/exec.
func (e *CommandError) Unwrap() error { return e.Err }

// FileError is a group file, inventory or groups.conf that cannot be
// read or parsed.
type FileError struct {
	Path string
	Line int // 1-based, 0 when unknown
	Err  error
}

// Error names the file, the line when known, and the problem.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }
