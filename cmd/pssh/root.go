package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

var version = "devel"

// The help lists the subcommands as newCmdRoot adds them.
func init() { cobra.EnableCommandSorting = false }

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(systemStreams(stdin, stdout, stderr), args)
}

// runWith is run on streams whose terminals may be set by a test.
func runWith(ios *ioStreams, args []string) int {
	cmd, err := execute(newCmdRoot(ios, nil), args)
	return exitStatusFor(ios.ErrOut, cmd, err)
}

// execute runs the command line args from root: the subcommand it names,
// or the root command.
func execute(root *cobra.Command, args []string) (*cobra.Command, error) {
	args = append([]string{}, args...) // not nil: cobra would read os.Args
	if len(args) == 0 || !isSubcommand(root, args[0]) {
		// A subcommand is named first or not at all: after pssh's flags,
		// every word is the remote command's, and "pssh -H web1 cp a b"
		// runs cp on web1. Cobra would look for a subcommand's name among
		// all the words; after "--" it looks no further, and the root
		// command parses its flags itself.
		root.DisableFlagParsing = true
		args = append([]string{"--"}, args...)
	} else if args[0] == "testbed" {
		args = append(args[:1], testbedArgs(args[1:])...)
	}
	root.SetArgs(args)
	return root.ExecuteC()
}

// isSubcommand reports whether name is one of root's subcommands.
func isSubcommand(root *cobra.Command, name string) bool {
	if name == cobra.ShellCompRequestCmd || name == cobra.ShellCompNoDescRequestCmd {
		return true // cobra adds it as it executes
	}
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

// rootOptions are the options of "pssh [flags] COMMAND...".
type rootOptions struct {
	runOptions
	version     bool     // -V
	interactive bool     // --interactive
	dump        bool     // -G
	command     []string // the remote command, its words
}

// newCmdRoot returns the pssh command, with its subcommands. It runs
// runF, if given, instead of the remote command: for tests.
func newCmdRoot(ios *ioStreams, runF func(*rootOptions) error) *cobra.Command {
	o := &rootOptions{}
	cmd := &cobra.Command{
		Use:   "pssh [flags] COMMAND...",
		Short: "run a command on many hosts over SSH in parallel",
		Long: `Run COMMAND on many hosts over SSH in parallel. Flag parsing stops at the
first argument that is not a flag (or at --): "pssh -H h1 ls -l /" runs
"ls -l /" on h1.`,
		Args:              cobra.ArbitraryArgs,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		Annotations: map[string]string{afterAnnotation: `Exit status:
  0 every host succeeded    3 a host was killed, timed out or interrupted
  1 pssh itself failed      4 a host could not connect or authenticate
  2 usage error             5 all connected; a command exited non-zero
  6 a rollout stopped (--canary failed, --max-fail reached): hosts not started
A host whose output pssh could not keep whole (-o/-e files, the temporary
files of -i, -b, --json: full disk, file size limit) fails, with status 1,
ahead of 6, 3, 4 and 5.`},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if cmd.DisableFlagParsing { // see execute: the flags are parsed here
				cmd.DisableFlagParsing = false
				if err := cmd.ParseFlags(args[1:]); err != nil {
					return flagError(cmd, err)
				}
				if help, _ := cmd.Flags().GetBool("help"); help {
					return cmd.Help()
				}
				args = cmd.Flags().Args()
			}
			if err := applyDefaults(cmd, ios.getenv); err != nil {
				return err
			}
			if len(args) > 0 {
				o.command = args
			}
			if runF != nil {
				return runF(o)
			}
			return runRoot(o, ios)
		}),
	}
	// The subcommands' flag defaults; the root command's are applied
	// once it has parsed its flags itself.
	cmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if c.DisableFlagParsing {
			return nil
		}
		return applyDefaults(c, ios.getenv)
	}
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(flagError)
	cmd.SetHelpFunc(printHelp)

	cmd.PersistentFlags().SortFlags = false
	addHelpFlag(cmd.PersistentFlags())
	addColorFlag(cmd.PersistentFlags(), ios)
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.SetInterspersed(false)
	addRunFlags(fs, &o.runOptions)
	addInteractiveFlag(fs, &o.interactive)
	flagGroup{fs, otherGroup}.switchFlag(&o.dump, "print-config", "G", "print the configuration resolved for each host (HOST... or -h/-H), as ssh -G, and exit")
	flagGroup{fs, otherGroup}.switchFlag(&o.version, "version", "V", "print the version, the VCS revision built from, and the Go version")
	registerCompletions(cmd)

	cmd.AddCommand(
		newCmdCp(ios, nil),
		newCmdSlurp(ios, nil),
		newCmdNuke(ios, nil),
		newCmdForward(ios, nil),
		newCmdGroups(ios, nil),
		newCmdTestbed(ios, nil),
		newCmdWorker(ios, nil),
		newCmdAttach(ios, nil),
		newCmdCluster(ios, nil),
		newCmdControl(ios),
		newCmdMan(ios),
	)
	// Cobra's completion and help commands, made now to word them as the
	// others.
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	for _, c := range cmd.Commands() {
		switch c.Name() {
		case "completion":
			c.Use = "completion bash|zsh|fish|powershell"
			c.Short = "print the script that completes pssh's command lines in a shell"
		case "help":
			c.Short = "the help of pssh or of a subcommand"
		}
	}
	return cmd
}

// runRoot is "pssh [flags] COMMAND...".
func runRoot(o *rootOptions, ios *ioStreams) error {
	if o.version {
		fmt.Fprint(ios.Out, versionText())
		return nil
	}
	if o.dump {
		return printConfig(o, ios)
	}
	if o.interactive && len(o.command) > 0 {
		return usagef("--interactive takes no COMMAND: each line typed at its prompt is one")
	}
	if o.interactive || (len(o.command) == 0 && ios.stdinTTY) {
		return runInteractive(&o.runOptions, ios)
	}
	if len(o.command) == 0 {
		return usagef("no command given: pssh [flags] COMMAND...")
	}
	// The remote command's words joined with spaces, as ssh does.
	return runCommand(&o.runOptions, strings.Join(o.command, " "), ios)
}

// subcommand sets up a subcommand's flags as pssh's: flags stop at the
// first argument that is not one.
func subcommand(cmd *cobra.Command) *cobra.Command {
	cmd.Flags().SortFlags = false
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// exitError ends a command that has reported everything itself: only its
// exit status is left to give.
type exitError int

func (e exitError) Error() string { return "exit status " + itoa(int(e)) }

// exitCode is the error a command ends with for an exit status: nil for 0.
func exitCode(status int) error {
	if status == exitOK {
		return nil
	}
	return exitError(status)
}

// runFailure is pssh itself failing while running a command: exit status 1.
type runFailure struct{ err error }

func (f *runFailure) Error() string { return f.err.Error() }
func (f *runFailure) Unwrap() error { return f.err }

// runE is a command's RunE: the errors run returns are usage errors, exit
// statuses, or pssh's own failures. Errors cobra returns before a command
// runs are about the command line.
func runE(run func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := run(cmd, args)
		var (
			ue *usageError
			ee exitError
		)
		if err == nil || errors.As(err, &ue) || errors.As(err, &ee) {
			return err
		}
		return &runFailure{err}
	}
}

// exitStatusFor reports err, with which cmd ended, and returns the exit
// status: 2 for usage errors, with a hint at cmd's help.
func exitStatusFor(stderr io.Writer, cmd *cobra.Command, err error) int {
	var (
		ee exitError
		f  *runFailure
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return int(ee)
	case errors.As(err, &f):
		// The library's errors already start with "pssh: ".
		fmt.Fprintf(stderr, "pssh: %s\n", shown(runFailureText(err)))
		return exitMisc
	}
	path := "pssh"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "pssh: %v\nRun '%s --help' for usage.\n", err, path)
	return exitUsage
}
