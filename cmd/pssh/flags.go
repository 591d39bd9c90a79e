package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopssh/pssh/internal/shellwords"
)

// options are the flags every command that reaches hosts takes: which
// hosts (addHostFlags), and how to connect to them (addConnectionFlags).
// Each command's options embed them.
type options struct {
	hostFiles []string // -h
	hostLists []string // -H
	excludes  []string // --exclude
	globs     []string // -g
	pick      int      // --pick
	groupOptions

	user         string   // -l
	port         int      // --port
	key          string   // --key
	askPass      bool     // -A
	passwordFile string   // --password-file
	sshOptions   []string // -O
	extraArgs    []string // -x, split
	extraArg     []string // -X
	knownHosts   string   // --known-hosts
	connectTO    time.Duration
	handshakeTO  time.Duration
	retries      int
	jump         string // -J
	forwardAgent bool
	configFile   string // -F
	allowDups    bool   // --allow-duplicates
}

// addHostFlags defines the flags that choose the hosts.
func addHostFlags(fs *pflag.FlagSet, o *options) {
	g := flagGroup{fs, hostsGroup}
	g.strings(&o.hostFiles, "hosts", "h", "FILE", "hosts file, repeatable: one or more [user@]host[:port] a line, host ranges allowed, # comments, blank lines")
	g.strings(&o.hostLists, "host", "H", "HOSTS", "hosts, repeatable, separated by spaces or commas")
	g.strings(&o.excludes, "exclude", "", "HOSTS", `hosts to leave out (ranges allowed); "!host" inside a list or a hosts file does the same`)
	g.strings(&o.globs, "host-glob", "g", "GLOB", "keep only hosts matching GLOB (repeatable)")
	addHabitHostFlags(fs, o)
	addGroupFlags(g, &o.groupOptions)
	g.switchFlag(&o.allowDups, "allow-duplicates", "", "run entries that resolve to the same user@host:port (web1, root@web1) once each, labelled apart (web1, web1#2); by default they are one host (-v notes each merged entry)")
}

// addConnectionFlags defines the flags that say how to connect and log in.
func addConnectionFlags(fs *pflag.FlagSet, o *options) {
	g := flagGroup{fs, connectionGroup}
	g.string(&o.user, "user", "l", "USER", "remote user (default: the local user)")
	g.int(&o.port, "port", "", "N", 0, 1, "port (default 22)")
	g.string(&o.key, "key", "", "FILE", "private key file")
	g.switchFlag(&o.askPass, "askpass", "A", "ask for a password once, without echo")
	g.string(&o.passwordFile, "password-file", "", "FILE", "read the password from FILE's first line (FILE must be readable by its owner only); without -A or this, $"+passwordEnv+" if set. Never on the command line. An encrypted --key's passphrase is $"+passphraseEnv+", or asked for on a terminal")
	g.strings(&o.sshOptions, "option", "O", "OPT", "ssh_config option, repeatable: "+supportedOptions)
	g.value(&wordsValue{&o.extraArgs, "-x"}, "extra-args", "x", "ARGS", "extra ssh arguments, split on spaces: -o, -i, -p, -J, -F, -l with their ssh meaning")
	g.strings(&o.extraArg, "extra-arg", "X", "ARG", "one extra ssh argument (repeatable)")
	g.string(&o.knownHosts, "known-hosts", "", "POLICY", "hosts not in known_hosts: yes refuses them (default); accept-new trusts and records them; no accepts them unrecorded (insecure, warns). A changed key is refused under every policy")
	g.seconds(&o.connectTO, "connect-timeout", "", 0, "limit on the TCP connect and the server's SSH banner, as ssh's ConnectTimeout (default 10)")
	g.seconds(&o.handshakeTO, "handshake-timeout", "", 0, "limit on the key exchange and login that follow (default 60)")
	g.int(&o.retries, "retries", "", "N", 0, 0, "further connection attempts on refusal or timeout")
	g.string(&o.jump, "jump", "J", "HOPS", "jump hosts, [user@]host[:port] separated by commas")
	g.switchFlag(&o.forwardAgent, "forward-agent", "", "forward the SSH agent to the hosts (ssh -A)")
	g.string(&o.configFile, "config", "F", "FILE", "ssh_config file instead of ~/.ssh/config (as ssh -F)")
}

// usageError is a command line mistake: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// Annotations of a flag for the help: the group it is listed under, and
// the name of its value (FILE in "-h, --hosts FILE").
const (
	groupAnnotation = "pssh_group"
	argAnnotation   = "pssh_arg"
)

// flagGroup defines flags listed under one heading of the help.
type flagGroup struct {
	fs    *pflag.FlagSet
	group *helpGroup
}

func (g flagGroup) value(v pflag.Value, name, short, arg, usage string) *pflag.Flag {
	f := g.fs.VarPF(v, name, short, usage)
	f.Annotations = map[string][]string{groupAnnotation: {g.group.key}}
	if arg != "" {
		f.Annotations[argAnnotation] = []string{arg}
	}
	return f
}

// strings defines a repeatable flag: each use adds one value, commas and
// all.
func (g flagGroup) strings(dst *[]string, name, short, arg, usage string) {
	g.fs.StringArrayVarP(dst, name, short, nil, usage)
	f := g.fs.Lookup(name)
	f.Annotations = map[string][]string{groupAnnotation: {g.group.key}, argAnnotation: {arg}}
}

func (g flagGroup) string(dst *string, name, short, arg, usage string) {
	g.fs.StringVarP(dst, name, short, "", usage)
	f := g.fs.Lookup(name)
	f.Annotations = map[string][]string{groupAnnotation: {g.group.key}, argAnnotation: {arg}}
}

func (g flagGroup) switchFlag(dst *bool, name, short, usage string) {
	g.value(&switchValue{dst, name}, name, short, "", usage)
}

// int defines a whole-number flag of at least min, def by default.
func (g flagGroup) int(dst *int, name, short, arg string, def, min int, usage string) {
	*dst = def
	g.value(&intValue{dst, dashed(name, short), min}, name, short, arg, usage)
}

// seconds defines a flag of seconds, fractions allowed, def by default.
func (g flagGroup) seconds(dst *time.Duration, name, short string, def time.Duration, usage string) {
	*dst = def
	g.value(&secondsValue{dst, dashed(name, short)}, name, short, "S", usage)
}

// dashed is how messages name a flag: by its short name if it has one.
func dashed(name, short string) string {
	if short != "" {
		return "-" + short
	}
	return "--" + name
}

// switchValue is a flag that takes no value.
type switchValue struct {
	dst  *bool
	name string
}

func (v *switchValue) Set(s string) error {
	if s != "true" { // "true" is what pflag passes for the bare flag
		return usagef("flag --%s takes no value", v.name)
	}
	*v.dst = true
	return nil
}

func (v *switchValue) String() string   { return strconv.FormatBool(*v.dst) }
func (v *switchValue) Type() string     { return "bool" }
func (v *switchValue) IsBoolFlag() bool { return true }

// intValue is a whole number of at least min.
type intValue struct {
	dst  *int
	name string
	min  int
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.min {
		return usagef("%s: %q is not a whole number of at least %d", v.name, s, v.min)
	}
	*v.dst = n
	return nil
}

func (v *intValue) String() string { return strconv.Itoa(*v.dst) }
func (v *intValue) Type() string   { return "int" }

// secondsValue is a duration given in seconds, fractions allowed.
type secondsValue struct {
	dst  *time.Duration
	name string
}

func (v *secondsValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return usagef("%s: %q is not a number of seconds", v.name, s)
	}
	*v.dst = time.Duration(f * float64(time.Second))
	return nil
}

func (v *secondsValue) String() string {
	return strconv.FormatFloat(v.dst.Seconds(), 'f', -1, 64)
}
func (v *secondsValue) Type() string { return "seconds" }

// wordsValue is -x: each value split into words as a shell would.
type wordsValue struct {
	dst  *[]string
	name string
}

func (v *wordsValue) Set(s string) error {
	words, err := splitWords(s)
	if err != nil {
		return usagef("%s %q: %v", v.name, s, err)
	}
	*v.dst = append(*v.dst, words...)
	return nil
}

func (v *wordsValue) String() string     { return strings.Join(*v.dst, " ") }
func (v *wordsValue) Type() string       { return "words" }
func (v *wordsValue) GetSlice() []string { return *v.dst } // repeatable, for completion

// flagError is every command's FlagErrorFunc: it words pflag's errors as
// pssh always has, and names the command a misplaced flag belongs to.
func flagError(cmd *cobra.Command, err error) error {
	if errors.Is(err, pflag.ErrHelp) {
		return err
	}
	var ue *usageError
	if errors.As(err, &ue) { // a value's own check
		return ue
	}
	var (
		ne *pflag.NotExistError
		ve *pflag.ValueRequiredError
		se *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &ne):
		name, short := ne.GetSpecifiedName(), ne.GetSpecifiedShortnames() != ""
		flag := "--" + name
		if short {
			flag = "-" + name
		}
		if msg := misplaced(cmd, name, short); msg != "" {
			return usagef("%s", msg)
		}
		if hint := suggestFlag(cmd.Flags(), name, short); hint != "" {
			return usagef("unknown flag %s; %s", flag, hint)
		}
		return usagef("unknown flag %s", flag)
	case errors.As(err, &ve):
		if ve.GetSpecifiedShortnames() != "" {
			return usagef("flag -%s needs a value", ve.GetSpecifiedName())
		}
		return usagef("flag --%s needs a value", ve.GetSpecifiedName())
	case errors.As(err, &se):
		return usagef("unknown flag %s", se.GetSpecifiedFlag())
	}
	return usagef("%v", err)
}

// misplaced says why a flag that cmd, a command that reaches hosts, does
// not take belongs to other commands, or returns "".
func misplaced(cmd *cobra.Command, name string, short bool) string {
	if cmd.Flags().Lookup("hosts") == nil {
		return ""
	}
	lookup := func(add func(*pflag.FlagSet)) *pflag.Flag {
		fs := pflag.NewFlagSet("", pflag.ContinueOnError)
		add(fs)
		if short {
			return fs.ShorthandLookup(name)
		}
		return fs.Lookup(name)
	}
	if lookup(func(fs *pflag.FlagSet) { addForwardFlags(fs, &forwardOptions{}) }) != nil {
		return forwardHint(name, short)
	}
	f := lookup(func(fs *pflag.FlagSet) { addRunFlags(fs, &runOptions{}) })
	if f != nil && lookup(func(fs *pflag.FlagSet) { addCopyFlags(fs, &copyOptions{}) }) == nil {
		return fmt.Sprintf("%s: %s applies to running commands only", cmd.Name(), dashed(f.Name, f.Shorthand))
	}
	return ""
}

// splitWords splits s into words as a shell would for -x: white space
// separates, single and double quotes group, backslash escapes.
func splitWords(s string) ([]string, error) { return shellwords.Split(s) }

// registerCompletions gives the shells' completion the values of the
// flags of cmd that take a fixed set; the others complete file names.
func registerCompletions(cmd *cobra.Command) {
	if cmd.Flags().Lookup("known-hosts") != nil {
		cmd.RegisterFlagCompletionFunc("known-hosts",
			cobra.FixedCompletions([]string{"yes", "accept-new", "no"}, cobra.ShellCompDirectiveNoFileComp))
	}
}
