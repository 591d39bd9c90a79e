package sshconfig

import (
	"errors"
	"strings"
)

// Splitting a configuration line into its keyword and arguments, as
// OpenSSH does.

// splitLine returns the keyword of a line (lowercased), its arguments and
// the text after the keyword and its separator (for the keywords that take
// the rest of the line as a command). A blank or comment line has no
// keyword.
func splitLine(line string) (key string, args []string, rest string, err error) {
	s := strings.TrimRight(line, " \t\r\n")
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] == '#' {
		return "", nil, "", nil
	}
	// The keyword ends at white space or '='; it is separated from the
	// arguments by white space and at most one '='.
	end := strings.IndexAny(s, " \t=")
	if end < 0 {
		end = len(s)
	}
	key = strings.ToLower(s[:end])
	if strings.HasPrefix(key, `"`) {
		return "", nil, "", errors.New("keyword in quotes")
	}
	rest = strings.TrimLeft(s[end:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	args, err = splitArgs(rest)
	return key, args, rest, err
}

// splitArgs splits the arguments of a line as OpenSSH's argv_split: white
// space separates them; single or double quotes group, and may start or end
// inside an argument; a backslash escapes a quote, a backslash, and (outside
// quotes) a space, and is kept before anything else; an argument starting
// with '#' outside quotes ends the line.
func splitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		in    bool // inside an argument
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && (c == ' ' || c == '\t'):
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		case quote == 0 && !in && c == '#':
			return args, nil
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"' || s[i+1] == '\\' || (quote == 0 && s[i+1] == ' ')):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == '\'' || c == '"':
			switch quote {
			case 0:
				quote = c
			case c:
				quote = 0
			default:
				cur.WriteByte(c)
			}
			in = true
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, errors.New("invalid quotes")
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}
