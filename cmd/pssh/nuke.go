package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// nukeOptions are the options of "pssh nuke [flags] PATTERN".
type nukeOptions struct {
	runOptions
	pattern string
}

// newCmdNuke returns "pssh nuke", which kills the processes matching a
// pattern on every host, like the classic pnuke. It runs runF, if given,
// instead: for tests.
func newCmdNuke(ios *ioStreams, runF func(*nukeOptions) error) *cobra.Command {
	o := &nukeOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "nuke [flags] PATTERN",
		Short: "kill the processes whose name matches PATTERN (pkill -9) on the hosts",
		Long: `Kill the processes whose name matches PATTERN on every host, with pkill -9,
like the classic pnuke. A host where nothing matched succeeds.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] == "" {
				return usagef("nuke: give one PATTERN: pssh nuke [flags] PATTERN")
			}
			return nil
		},
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.pattern = args[0]
			if runF != nil {
				return runF(o)
			}
			return runNuke(o, ios)
		}),
	})
	addRunFlags(cmd.Flags(), &o.runOptions)
	registerCompletions(cmd)
	return cmd
}

// runNuke runs pkill -9 PATTERN on every host.
func runNuke(o *nukeOptions, ios *ioStreams) error {
	// pkill exits 1 when nothing matched: that is not a failure here.
	cmd := "pkill -9 -- " + shQuote(o.pattern) + "; s=$?; [ $s -le 1 ] || exit $s"
	return runCommand(&o.runOptions, cmd, ios)
}

// shQuote quotes s for a POSIX shell as one word.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
