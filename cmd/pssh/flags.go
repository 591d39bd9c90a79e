package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// options are the parsed command line of a run.
type options struct {
	hostFiles    []string // -h
	hostLists    []string // -H
	excludes     []string // --exclude
	globs        []string // -g
	user         string   // -l
	par          int      // -p
	timeout      time.Duration
	outDir       string   // -o
	errDir       string   // -e
	sshOptions   []string // -O, and -o from -x/-X
	verbose      bool
	askPass      bool
	passwordFile string // --password-file
	inline       bool
	inlineOut    bool
	sendInput    bool
	print        bool
	gather       bool
	json         bool
	extraArgs    []string // -x, split
	extraArg     []string // -X
	port         int
	key          string
	jump         string
	configFile   string
	sudo         bool
	pty          bool
	knownHosts   string
	forwardAgent bool
	env          map[string]string // --env NAME=VALUE
	forwards     []string          // -L, -R, -D specs (pssh forward)
	retries      int
	connectTO    time.Duration
	help         bool
	version      bool

	// cp and slurp only
	recursive     bool // -r
	useSCP        bool // --scp
	preserveTimes bool // --preserve-times
	timeoutSet    bool // -t was given

	command []string
}

// usageError is a command line mistake: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

type flagKind int

const (
	boolFlag flagKind = iota
	valueFlag
)

type flagDef struct {
	short string // one letter, or ""
	long  string
	kind  flagKind
	set   func(o *options, v string) error
}

func seconds(name string, dst *time.Duration) func(*options, string) error {
	return func(_ *options, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return usagef("%s: %q is not a number of seconds", name, v)
		}
		*dst = time.Duration(f * float64(time.Second))
		return nil
	}
}

func integer(name string, min int, dst func(*options) *int) func(*options, string) error {
	return func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return usagef("%s: %q is not a whole number of at least %d", name, v, min)
		}
		*dst(o) = n
		return nil
	}
}

func flagTable() []flagDef {
	return []flagDef{
		{"h", "hosts", valueFlag, func(o *options, v string) error { o.hostFiles = append(o.hostFiles, v); return nil }},
		{"H", "host", valueFlag, func(o *options, v string) error { o.hostLists = append(o.hostLists, v); return nil }},
		{"", "exclude", valueFlag, func(o *options, v string) error { o.excludes = append(o.excludes, v); return nil }},
		{"g", "host-glob", valueFlag, func(o *options, v string) error { o.globs = append(o.globs, v); return nil }},
		{"l", "user", valueFlag, func(o *options, v string) error { o.user = v; return nil }},
		{"p", "par", valueFlag, integer("-p", 1, func(o *options) *int { return &o.par })},
		{"t", "timeout", valueFlag, func(o *options, v string) error { o.timeoutSet = true; return seconds("-t", &o.timeout)(o, v) }},
		{"o", "outdir", valueFlag, func(o *options, v string) error { o.outDir = v; return nil }},
		{"e", "errdir", valueFlag, func(o *options, v string) error { o.errDir = v; return nil }},
		{"O", "option", valueFlag, func(o *options, v string) error { o.sshOptions = append(o.sshOptions, v); return nil }},
		{"v", "verbose", boolFlag, func(o *options, _ string) error { o.verbose = true; return nil }},
		{"A", "askpass", boolFlag, func(o *options, _ string) error { o.askPass = true; return nil }},
		{"", "password-file", valueFlag, func(o *options, v string) error { o.passwordFile = v; return nil }},
		{"i", "inline", boolFlag, func(o *options, _ string) error { o.inline = true; return nil }},
		{"", "inline-stdout", boolFlag, func(o *options, _ string) error { o.inlineOut = true; return nil }},
		{"I", "send-input", boolFlag, func(o *options, _ string) error { o.sendInput = true; return nil }},
		{"P", "print", boolFlag, func(o *options, _ string) error { o.print = true; return nil }},
		{"b", "gather", boolFlag, func(o *options, _ string) error { o.gather = true; return nil }},
		{"", "json", boolFlag, func(o *options, _ string) error { o.json = true; return nil }},
		{"x", "extra-args", valueFlag, func(o *options, v string) error {
			words, err := splitWords(v)
			if err != nil {
				return usagef("-x %q: %v", v, err)
			}
			o.extraArgs = append(o.extraArgs, words...)
			return nil
		}},
		{"X", "extra-arg", valueFlag, func(o *options, v string) error { o.extraArg = append(o.extraArg, v); return nil }},
		{"", "port", valueFlag, integer("--port", 1, func(o *options) *int { return &o.port })},
		{"", "key", valueFlag, func(o *options, v string) error { o.key = v; return nil }},
		{"J", "jump", valueFlag, func(o *options, v string) error { o.jump = v; return nil }},
		{"F", "config", valueFlag, func(o *options, v string) error { o.configFile = v; return nil }},
		{"", "sudo", boolFlag, func(o *options, _ string) error { o.sudo = true; return nil }},
		{"", "pty", boolFlag, func(o *options, _ string) error { o.pty = true; return nil }},
		{"", "known-hosts", valueFlag, func(o *options, v string) error { o.knownHosts = v; return nil }},
		{"", "forward-agent", boolFlag, func(o *options, _ string) error { o.forwardAgent = true; return nil }},
		{"", "env", valueFlag, func(o *options, v string) error {
			name, value, ok := strings.Cut(v, "=")
			if !ok || name == "" {
				return usagef("--env %q: give NAME=VALUE", v)
			}
			if o.env == nil {
				o.env = map[string]string{}
			}
			o.env[name] = value
			return nil
		}},
		{"L", "local-forward", valueFlag, func(o *options, v string) error { o.forwards = append(o.forwards, "L"+v); return nil }},
		{"R", "remote-forward", valueFlag, func(o *options, v string) error { o.forwards = append(o.forwards, "R"+v); return nil }},
		{"D", "dynamic-forward", valueFlag, func(o *options, v string) error { o.forwards = append(o.forwards, "D"+v); return nil }},
		{"", "retries", valueFlag, integer("--retries", 0, func(o *options) *int { return &o.retries })},
		{"", "connect-timeout", valueFlag, func(o *options, v string) error { return seconds("--connect-timeout", &o.connectTO)(o, v) }},
		{"", "help", boolFlag, func(o *options, _ string) error { o.help = true; return nil }},
		{"V", "version", boolFlag, func(o *options, _ string) error { o.version = true; return nil }},
	}
}

// Defaults, as the classic pssh CLI.
const (
	defaultPar     = 32
	defaultTimeout = 60 * time.Second
)

// parseFlags parses args the way the classic pssh does (getopt style):
// short flags may be bundled (-iP) and take their value attached (-p8) or
// as the next argument; long flags take --name=value or --name value.
// Parsing stops at "--" or at the first argument that is not a flag: it and
// everything after it is the remote command.
func parseFlags(args []string) (*options, error) { return parseFlagsWith(args, nil) }

// parseFlagsWith is parseFlags with a subcommand's own flags too.
func parseFlagsWith(args []string, extra []flagDef) (*options, error) {
	o := &options{par: defaultPar, timeout: defaultTimeout}
	table := append(flagTable(), extra...)
	byShort, byLong := map[string]flagDef{}, map[string]flagDef{}
	for _, f := range table {
		if f.short != "" {
			byShort[f.short] = f
		}
		byLong[f.long] = f
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.command = args[i+1:]
			return o, nil
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			f, ok := byLong[name]
			if !ok {
				return nil, usagef("unknown flag --%s", name)
			}
			if f.kind == boolFlag {
				if hasValue {
					return nil, usagef("flag --%s takes no value", name)
				}
			} else if !hasValue {
				if i+1 >= len(args) {
					return nil, usagef("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			if err := f.set(o, value); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j : j+1]
				f, ok := byShort[c]
				if !ok {
					return nil, usagef("unknown flag -%s", c)
				}
				if f.kind == boolFlag {
					if err := f.set(o, ""); err != nil {
						return nil, err
					}
					continue
				}
				value := a[j+1:]
				if value == "" {
					if i+1 >= len(args) {
						return nil, usagef("flag -%s needs a value", c)
					}
					i++
					value = args[i]
				}
				if err := f.set(o, value); err != nil {
					return nil, err
				}
				break
			}
		default:
			o.command = args[i:]
			return o, nil
		}
	}
	return o, nil
}

// splitWords splits s into words as a shell would for -x: white space
// separates, single and double quotes group, backslash escapes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// remoteCommand joins the command words with spaces, as ssh does.
func (o *options) remoteCommand() string { return strings.Join(o.command, " ") }
