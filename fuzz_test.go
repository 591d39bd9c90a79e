package pssh

import (
	"os/exec"
	"strings"
	"testing"
)

// shellUnquote undoes shellQuote: a bare word of safe characters, or
// single-quoted parts joined by \'. It reports false for anything else.
func shellUnquote(s string) (string, bool) {
	if s == "''" {
		return "", true
	}
	if !strings.HasPrefix(s, "'") {
		return s, s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~!{}")
	}
	var b strings.Builder
	for s != "" {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		default:
			return "", false
		}
	}
	return b.String(), true
}

// FuzzFormatCommand checks that formatCommand never panics, that its
// errors point at a % in the command (or say the counts differ), that a
// command without % and arguments is left as it is, and that %q gives the
// argument back once the shell unquotes it.
func FuzzFormatCommand(f *testing.F) {
	for _, s := range []struct {
		cmd, a, b string
		n         uint8
	}{
		{"uptime", "", "", 0},
		{"echo %s %q", "x", "it's $HOME", 2},
		{"printf 100%%", "", "", 0},
		{"echo %", "", "", 0},
		{"echo %d", "1", "", 1},
		{"echo %s %s", "a", "", 1},
		{"echo", "a", "", 1},
		{"%q", "a\nb'c\\", "", 1},
		{"%q%q", "", "'", 2},
	} {
		f.Add(s.cmd, s.a, s.b, s.n)
	}
	f.Fuzz(func(t *testing.T, cmd, a, b string, n uint8) {
		args := []string{a, b}[:n%3]
		out, err := formatCommand(cmd, args)
		if err != nil {
			if err.Index != -1 || err.Pos < -1 || err.Pos >= len(cmd) || err.Pos >= 0 && cmd[err.Pos] != '%' || err.Reason == "" {
				t.Fatalf("formatCommand(%q, %q): bad error %+v", cmd, args, err)
			}
			return
		}
		if len(args) == 0 && !strings.Contains(cmd, "%") && out != cmd {
			t.Fatalf("formatCommand(%q) = %q", cmd, out)
		}
		if len(args) == 1 {
			q, err := formatCommand("%q", args)
			if err != nil {
				t.Fatal(err)
			}
			if back, ok := shellUnquote(q); !ok || back != args[0] {
				t.Fatalf("%%q of %q gave %q, which unquotes to %q (%v)", args[0], q, back, ok)
			}
		}
	})
}

// TestFormatCommandShell checks with a real shell that %q arguments reach
// the command unchanged.
func TestFormatCommandShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, arg := range []string{"", "plain", "it's", `a "b" \c $HOME $(id) ` + "`id`", "new\nline", "%s %%", " lead", "-n", "*", "~"} {
		cmd, ferr := formatCommand("printf %s %q", []string{"%s", arg})
		if ferr != nil {
			t.Fatal(ferr)
		}
		got, err := exec.Command(sh, "-c", cmd).Output()
		if err != nil || string(got) != arg {
			t.Errorf("sh -c %q printed %q (%v), want %q", cmd, got, err, arg)
		}
	}
}
