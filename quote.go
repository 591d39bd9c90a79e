package pssh

import (
	"fmt"
	"strings"
)

// shellQuote quotes s for a POSIX shell so that it is passed as one word,
// unchanged: single quotes, $, backticks, backslashes and newlines included.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// formatCommand substitutes one host's arguments into cmd: %s inserts an
// argument as it is, %q inserts it quoted for the shell as one word, and %%
// is a literal %. The number of verbs must equal the number of arguments.
func formatCommand(cmd string, args []string) (string, *HostArgsError) {
	var b strings.Builder
	b.Grow(len(cmd))
	next := 0
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(cmd) {
			return "", &HostArgsError{Index: -1, Pos: i, Reason: "command ends with a lone %; write %% for a literal %"}
		}
		i++
		switch verb := cmd[i]; verb {
		case '%':
			b.WriteByte('%')
		case 's', 'q':
			if next >= len(args) {
				return "", &HostArgsError{Index: -1, Pos: i - 1, Reason: fmt.Sprintf("the command has more %%s/%%q than the %d argument(s) given", len(args))}
			}
			if verb == 's' {
				b.WriteString(args[next])
			} else {
				b.WriteString(shellQuote(args[next]))
			}
			next++
		default:
			return "", &HostArgsError{Index: -1, Pos: i - 1, Reason: fmt.Sprintf("unknown verb %%%c: use %%s, %%q or %%%%", verb)}
		}
	}
	if next != len(args) {
		return "", &HostArgsError{Index: -1, Pos: -1, Reason: fmt.Sprintf("%d argument(s) given but the command uses %d", len(args), next)}
	}
	return b.String(), nil
}

// wrapCommand applies RunOptions.Shell, Sudo and User to an already
// formatted command. The command always reaches the inner shell unchanged.
func wrapCommand(cmd string, opt *RunOptions) string {
	shell := opt.Shell
	if shell == "" && (opt.Sudo || opt.User != "") {
		shell = "sh -c" // sudo needs a shell for pipes, redirections and builtins
	}
	if shell != "" {
		cmd = shell + " " + shellQuote(cmd)
	}
	if opt.Sudo || opt.User != "" {
		prefix := "sudo -S"
		if opt.User != "" {
			prefix += " -u " + shellQuote(opt.User)
		}
		cmd = prefix + " -- " + cmd
	}
	return cmd
}
