package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newCmdMan returns "pssh man DIR", which writes the manual pages.
func newCmdMan(ios *ioStreams) *cobra.Command {
	return subcommand(&cobra.Command{
		Use:   "man [flags] DIR",
		Short: "write the manual pages, pssh.1 and one per subcommand, into DIR",
		Long: `Write the manual pages, pssh.1 and one per subcommand (pssh-cp.1, ...),
into DIR, made if missing; for example:

  pssh man /usr/local/share/man/man1`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] == "" {
				return usagef("man: give one DIR: pssh man DIR")
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return writeManPages(cmd.Root(), args[0])
		}),
	})
}

// writeManPages writes the pages of root and its subcommands into dir: each
// page's description is the command's help without its flags, which the
// page lists itself.
func writeManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	escaped := map[*pflag.Flag]bool{} // flags inherited are shared
	var describe func(*cobra.Command)
	describe = func(c *cobra.Command) {
		c.Long = manDescription(c)
		c.DisableAutoGenTag = true
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !escaped[f] {
				f.Usage = markdownEscaper.Replace(f.Usage)
				escaped[f] = true
			}
		})
		for _, sub := range c.Commands() {
			describe(sub)
		}
	}
	describe(root)
	return doc.GenManTree(root, &doc.GenManHeader{Source: "pssh " + version, Manual: "pssh manual"}, dir)
}

// manDescription is what a page says under DESCRIPTION: the command's
// description, its groups' notes and what its help shows after the flags,
// as in the help, kept as laid out there.
func manDescription(c *cobra.Command) string {
	var b strings.Builder
	text := c.Long
	if text == "" {
		text = c.Short
	}
	b.WriteString(strings.TrimRight(text, "\n") + "\n")
	groups, _ := flagsByGroup(c)
	for _, g := range groups {
		if g.before != "" || g.after != "" {
			b.WriteString("\n" + g.title + ":\n")
			b.WriteString(notes(g))
		}
	}
	if after := c.Annotations[afterAnnotation]; after != "" {
		b.WriteString("\n" + after + "\n")
	}
	return preformatted(b.String())
}

// markdownEscaper keeps the flags' descriptions, which the pages take as
// Markdown, from being read as links or emphasis: web[01-18,20] (19).
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`)

// preformatted makes text a Markdown code block, which the page shows
// as written.
func preformatted(text string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n    ")
}
