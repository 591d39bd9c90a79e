// Package shellwords splits a line into words as a shell would, for -x and
// for Ansible's INI inventories.
package shellwords

import (
	"fmt"
	"strings"
)

// Split splits s into words as a POSIX shell would, without expanding
// anything: white space separates, single and double quotes group,
// backslash escapes (inside double quotes too).
func Split(s string) ([]string, error) { return split(s, false) }

// SplitComment is Split, with a "#" that starts a word starting a comment
// to the end of s, as Python's shlex.split(s, comments=True), with which
// Ansible reads its INI inventories.
func SplitComment(s string) ([]string, error) { return split(s, true) }

func split(s string, comments bool) ([]string, error) {
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
		case comments && c == '#' && !inWord:
			i = len(s)
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
