package main

import (
	"io"
	"strings"
)

// runNuke kills the processes matching a pattern on every host, like the
// classic pnuke: it runs pkill -9 -f PATTERN, with the usual flags.
func runNuke(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseFlags(args)
	if err != nil {
		return fail(stderr, err)
	}
	if o.help {
		io.WriteString(stdout, usageText)
		return exitOK
	}
	if len(o.command) != 1 || o.command[0] == "" {
		return fail(stderr, usagef("nuke: give one PATTERN: pssh nuke [flags] PATTERN"))
	}
	// pkill exits 1 when nothing matched: that is not a failure here.
	cmd := "pkill -9 -- " + shQuote(o.command[0]) + "; s=$?; [ $s -le 1 ] || exit $s"
	return runCommand(o, cmd, stdin, stdout, stderr)
}

// shQuote quotes s for a POSIX shell as one word.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
