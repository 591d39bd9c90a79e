package main

// Defaults for the flags from the environment, as the classic pssh
// (PSSH_PAR, PSSH_TIMEOUT, ...), and from pssh's config file. The command
// line beats the environment, which beats the file.

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envDefaults are the classic pssh's environment variables, and the long
// flag each gives a default for.
var envDefaults = []struct{ env, flag string }{
	{"PSSH_HOSTS", "hosts"},
	{"PSSH_USER", "user"},
	{"PSSH_PAR", "par"},
	{"PSSH_TIMEOUT", "timeout"},
	{"PSSH_OPTIONS", "option"},
	{"PSSH_VERBOSE", "verbose"},
	{"PSSH_ASKPASS", "askpass"},
	{"PSSH_OUTDIR", "outdir"},
	{"PSSH_ERRDIR", "errdir"},
	{"PSSH_PRINT", "print"},
	{"PSSH_INLINE", "inline"},
}

// hostChoosers are the flags that give the hosts: one of them on the
// command line (or in the environment) sets aside the others' defaults, so
// that "pssh -H web1 ..." runs on web1 alone whatever PSSH_HOSTS says.
var hostChoosers = []string{"hosts", "host", "nodes", "retry-failed"}

// configPath is pssh's config file: $XDG_CONFIG_HOME/pssh/config, or
// ~/.config/pssh/config; "" when neither can be told.
func configPath(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "pssh", "config")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "pssh", "config")
	}
	return ""
}

// applyDefaults gives the flags of cmd that its command line left unset
// their values from the environment, then from the config file. getenv
// nil reads no environment and no file.
func applyDefaults(cmd *cobra.Command, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	fset := cmd.Flags()
	given := map[string]bool{} // set on the command line, or by the environment
	fset.Visit(func(f *pflag.Flag) { given[f.Name] = true })
	hostsGiven := func() bool {
		for _, name := range hostChoosers {
			if given[name] {
				return true
			}
		}
		return false
	}
	isHostChooser := func(name string) bool {
		for _, h := range hostChoosers {
			if h == name {
				return true
			}
		}
		return false
	}

	fromEnv := hostsGiven()
	setByEnv := map[string]bool{}
	for _, d := range envDefaults {
		value := getenv(d.env)
		f := fset.Lookup(d.flag)
		if value == "" || f == nil || given[d.flag] || (fromEnv && isHostChooser(d.flag)) {
			continue
		}
		if err := setDefault(f, value); err != nil {
			return usagef("$%s: %v", d.env, err)
		}
		setByEnv[d.flag] = true
	}
	for name := range setByEnv {
		given[name] = true
	}

	path := configPath(getenv)
	if path == "" {
		return nil
	}
	lines, err := readConfig(path)
	if err != nil {
		return err
	}
	skipHosts := hostsGiven()
	known := allFlagNames(cmd.Root())
	for _, l := range lines {
		if !known[l.name] {
			return usagef("%s:%d: unknown flag --%s", path, l.line, l.name)
		}
		if l.section != "" && l.section != cmd.Name() {
			continue
		}
		f := fset.Lookup(l.name)
		if f == nil || given[l.name] || (skipHosts && isHostChooser(l.name)) {
			continue // another command's, or set on the command line
		}
		if err := setDefault(f, l.value); err != nil {
			return usagef("%s:%d: %v", path, l.line, err)
		}
	}
	return nil
}

// setDefault sets flag f to value, as a default: a switch takes yes/no
// words ("no" leaves it off).
func setDefault(f *pflag.Flag, value string) error {
	if f.Value.Type() == "bool" {
		switch strings.ToLower(value) {
		case "", "1", "true", "yes", "on":
			value = "true"
		case "0", "false", "no", "off":
			return nil
		default:
			return fmt.Errorf("--%s takes yes or no, not %q", f.Name, value)
		}
	}
	if err := f.Value.Set(value); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return errors.New(ue.msg)
		}
		return fmt.Errorf("--%s %q: %v", f.Name, value, err)
	}
	f.Changed = true
	return nil
}

// configLine is one setting of the config file.
type configLine struct {
	section     string // [SUBCOMMAND] it is under; "" for every command
	name, value string
	line        int
}

// readConfig reads the config file: "name = value" lines (the long name
// of a flag; a switch alone on its line turns it on), "#" comments, blank
// lines, and "[cp]"-style headings under which the lines apply to that
// subcommand only ("[pssh]" for a run). A missing file is no error.
func readConfig(path string) ([]configLine, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	var out []configLine
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]") {
			section = strings.TrimSpace(text[1 : len(text)-1])
			continue
		}
		name, value, _ := strings.Cut(text, "=")
		name = strings.TrimPrefix(strings.TrimSpace(name), "--")
		if name == "" {
			return nil, usagef("%s:%d: want name = value", path, n)
		}
		out = append(out, configLine{section: section, name: name, value: strings.TrimSpace(value), line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

// allFlagNames are the long flags of root and its subcommands.
func allFlagNames(root *cobra.Command) map[string]bool {
	names := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return names
}
