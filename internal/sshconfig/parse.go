package sshconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Reading files: each becomes a list of lines, checked as OpenSSH checks
// them whether or not their block applies.

// file is one parsed file.
type file struct {
	name   string
	system bool // read as (or included from) the system file
	lines  []*line
}

// line is a keyword line.
type line struct {
	num  int
	key  string // lowercased
	args []string
	rest string // the text after the keyword, for command keywords
	crit []criterion
}

func (l *line) value() string {
	if keywords[l.key].arity == argCommand {
		return l.rest
	}
	if len(l.args) == 0 {
		return ""
	}
	return l.args[0]
}

// parse reads and checks a file, once per Config.
func (c *Config) parse(name string, system bool, depth int) (*file, error) {
	if depth > maxDepth {
		return nil, &Error{File: name, Err: errors.New("Include nested too deeply")}
	}
	key := fmt.Sprintf("%t\x00%s", system, name)
	c.mu.Lock()
	f, ok := c.parsed[key]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	f = &file{name: name, system: system}
	for i, text := range bytes.Split(data, []byte("\n")) {
		l, err := parseLine(string(text), i+1)
		if err != nil {
			return nil, &Error{File: name, Line: i + 1, Err: err}
		}
		if l != nil {
			f.lines = append(f.lines, l)
		}
	}
	c.mu.Lock()
	c.parsed[key] = f
	c.mu.Unlock()
	return f, nil
}

// parseLine splits and checks one line; nil for a blank or comment line.
func parseLine(text string, num int) (*line, error) {
	key, args, rest, err := splitLine(text)
	if err != nil || key == "" {
		return nil, err
	}
	l := &line{num: num, key: key, args: args, rest: rest}
	kw, known := keywords[key]
	if !known {
		// An error unless IgnoreUnknown covers it, which depends on the
		// host: see resolver.line.
		return l, nil
	}
	switch kw.arity {
	case argOne:
		if len(args) == 0 {
			return nil, fmt.Errorf("no argument after keyword %q", key)
		}
		if len(args) > 1 {
			return nil, fmt.Errorf("keyword %s extra arguments at end of line", key)
		}
	case argSeveral:
		if len(args) == 0 && key != "include" {
			return nil, fmt.Errorf("no argument after keyword %q", key)
		}
	case argOneOrTwo:
		if len(args) == 0 || len(args) > 2 {
			return nil, fmt.Errorf("keyword %s takes one or two arguments", key)
		}
	case argCommand:
		if strings.TrimSpace(rest) == "" {
			return nil, fmt.Errorf("no argument after keyword %q", key)
		}
	}
	switch key {
	case "host":
		// Host patterns end at a comment, as any argument list.
	case "match":
		if l.crit, err = parseCriteria(args); err != nil {
			return nil, err
		}
	default:
		if kw.kind == applied {
			if err := checkValue(key, l.value(), args); err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

// includePaths returns the files an Include argument names: tokens and
// ${VAR} expanded, '~' and relative paths resolved, globbed, sorted (as
// glob(3)).
func (r *resolver) includePaths(f *file, l *line, arg string) ([]string, error) {
	p, err := r.expand(arg, tokensPath, true)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(p, "~") && f.system:
		return nil, fmt.Errorf("bad include path %s", arg)
	case strings.HasPrefix(p, "~"):
		if p, err = expandTilde(p, r.c.opt.HomeDir); err != nil {
			return nil, err
		}
	case !filepath.IsAbs(p) && f.system:
		p = filepath.Join("/etc/ssh", p)
	case !filepath.IsAbs(p):
		p = filepath.Join(r.c.opt.HomeDir, ".ssh", p)
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, fmt.Errorf("glob failed for %s: %w", p, err)
	}
	return matches, nil
}
