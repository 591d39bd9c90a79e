package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func itoa(n int) string { return strconv.Itoa(n) }

// A helpGroup is a heading of the help and the flags listed under it, with
// notes before and after them.
type helpGroup struct {
	key, title    string
	before, after string
}

// The groups, in the order the help lists them.
var (
	hostsGroup = &helpGroup{key: "hosts", title: "Hosts",
		after: "Ranges: web[01-20].example.com, db[1-3,7], rack[1-2]-n[1-4], n[1-10/3]\n" +
			"Groups: @web, @source:web, @web!@db, @rack[1-3] from ClusterShell's\n" +
			"groups.conf, --inventory, --groups; @failed, @unreached, @succeeded: the\n" +
			"last run's hosts. pssh groups lists them."}
	connectionGroup = &helpGroup{key: "connection", title: "Connection"}
	runningGroup    = &helpGroup{key: "running", title: "Running"}
	copyingGroup    = &helpGroup{key: "copying", title: "Copying"}
	forwardingGroup = &helpGroup{key: "forwarding", title: "Forwarding"}
	testbedGroup    = &helpGroup{key: "testbed", title: "Testbed"}
	clusterGroup    = &helpGroup{key: "cluster", title: "Cluster (workers on NATS)"}
	runOutputGroup  = &helpGroup{key: "run-output", title: "Output",
		before: "(default)               one line per host as it finishes:\n" +
			"                        [3] 12:01:02 [SUCCESS] web03\n" +
			"                        [4] 12:01:02 [FAILURE] web04 exited 1",
		after: "On a terminal, the output shows control characters escaped (\\x1b, \\r)\n" +
			"unless --raw; pssh's own lines escape what a server sent everywhere.\n" +
			"On a terminal (and NO_COLOR unset): colour, a progress line and a summary."}
	copyOutputGroup = &helpGroup{key: "copy-output", title: "Output",
		before: "(default)               one line per host once all are done, in host-list\n" +
			"                        order: [1] 12:01:02 [SUCCESS] web1 1048576 bytes",
		after: "On a terminal (and NO_COLOR unset): colour, a progress line and a summary."}
	otherGroup = &helpGroup{key: "other", title: "Other"}

	helpGroups = []*helpGroup{hostsGroup, connectionGroup, runningGroup, copyingGroup, forwardingGroup,
		testbedGroup, clusterGroup, runOutputGroup, copyOutputGroup, otherGroup}
)

// afterAnnotation is the command annotation holding what its help shows
// after the flags (exit statuses, say).
const afterAnnotation = "pssh_help_after"

// addHelpFlag defines --help: pssh's -h is the hosts file, so help has no
// short name (cobra's own help flag would take -h). Flags without a group
// are listed under "Other".
func addHelpFlag(fs *pflag.FlagSet) { fs.Bool("help", false, "this help") }

// The help's layout.
const (
	helpWidth  = 80 // it fits 80 columns
	flagColumn = 26 // the flags' descriptions start here
)

// printHelp is every command's help (cobra's HelpFunc).
func printHelp(cmd *cobra.Command, _ []string) {
	io.WriteString(cmd.OutOrStdout(), helpText(cmd))
}

// helpText is a command's help: its usage, its description, its flags by
// group, what comes after them, and its subcommands.
func helpText(cmd *cobra.Command) string {
	var b strings.Builder
	b.WriteString("Usage: " + cmd.UseLine() + "\n")
	if !cmd.HasParent() {
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				b.WriteString("       " + sub.UseLine() + "\n")
			}
		}
	}
	if text := cmd.Long; text != "" {
		b.WriteString("\n" + strings.TrimRight(text, "\n") + "\n")
	} else if cmd.Short != "" {
		b.WriteString("\n" + wrap(cmd.Short, helpWidth, "", "") + "\n")
	}
	b.WriteString(flagsText(cmd))
	if after := cmd.Annotations[afterAnnotation]; after != "" {
		b.WriteString("\n" + strings.TrimRight(after, "\n") + "\n")
	}
	if subs := subcommandsText(cmd); subs != "" {
		b.WriteString("\n" + subs)
	}
	return b.String()
}

// flagsText lists cmd's flags by group, with the groups' notes.
func flagsText(cmd *cobra.Command) string {
	groups, flags := flagsByGroup(cmd)
	var b strings.Builder
	for _, g := range groups {
		b.WriteString("\n" + g.title + ":\n")
		if g.before != "" {
			b.WriteString(indent(g.before) + "\n")
		}
		for _, f := range flags[g] {
			b.WriteString(flagLine(f))
		}
		if g.after != "" {
			b.WriteString(indent(g.after) + "\n")
		}
	}
	return b.String()
}

// notes are a group's notes, as the help shows them.
func notes(g *helpGroup) string {
	var b strings.Builder
	for _, n := range []string{g.before, g.after} {
		if n != "" {
			b.WriteString(indent(n) + "\n")
		}
	}
	return b.String()
}

// flagsByGroup returns the groups of cmd's flags, in the order of
// helpGroups, and the flags in each.
func flagsByGroup(cmd *cobra.Command) ([]*helpGroup, map[*helpGroup][]*pflag.Flag) {
	byKey := map[string]*helpGroup{}
	for _, g := range helpGroups {
		byKey[g.key] = g
	}
	flags := map[*helpGroup][]*pflag.Flag{}
	for _, fs := range []*pflag.FlagSet{cmd.LocalFlags(), cmd.InheritedFlags()} {
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			g := otherGroup
			if key := f.Annotations[groupAnnotation]; len(key) == 1 && byKey[key[0]] != nil {
				g = byKey[key[0]]
			}
			flags[g] = append(flags[g], f)
		})
	}
	var groups []*helpGroup
	for _, g := range helpGroups {
		if len(flags[g]) > 0 {
			groups = append(groups, g)
		}
	}
	return groups, flags
}

// flagLine is one flag of the help: "  -h, --hosts FILE  hosts file, ...",
// the description wrapped.
func flagLine(f *pflag.Flag) string {
	left := "      --" + f.Name
	switch {
	case f.Shorthand != "" && f.Shorthand == f.Name: // testbed's -n N
		left = "  -" + f.Shorthand
	case f.Shorthand != "":
		left = "  -" + f.Shorthand + ", --" + f.Name
	}
	if arg := f.Annotations[argAnnotation]; len(arg) == 1 && arg[0] != "" {
		left += " " + arg[0]
	}
	text := f.Usage
	if !zeroDefault(f.DefValue) {
		text += " (default " + f.DefValue + ")"
	}
	return wrap(text, helpWidth, column(left, flagColumn), strings.Repeat(" ", flagColumn)) + "\n"
}

// column pads s to width, or follows it with two spaces if it is as wide.
func column(s string, width int) string {
	if len(s)+2 > width {
		return s + "  "
	}
	return s + strings.Repeat(" ", width-len(s))
}

func zeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "[]":
		return true
	}
	return false
}

// subcommandsText lists cmd's subcommands with what each does.
func subcommandsText(cmd *cobra.Command) string {
	var b strings.Builder
	for _, sub := range cmd.Commands() {
		if !sub.IsAvailableCommand() {
			continue
		}
		b.WriteString(wrap(sub.Short, helpWidth, column("  "+sub.Name(), 14), strings.Repeat(" ", 14)) + "\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return "Subcommands:\n" + b.String() +
		fmt.Sprintf("Run '%s SUBCOMMAND --help' for a subcommand's flags.\n", cmd.CommandPath())
}

// indent indents each line of s by two spaces.
func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// wrap fills text into lines of at most width columns (unless a word is
// longer), the first after first, the others after rest.
func wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	line, empty := first, true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line)
	return b.String()
}
