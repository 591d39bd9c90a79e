package pssh

import (
	"errors"
	"os/exec"
	"testing"
)

func TestShellQuoteRoundTrip(t *testing.T) {
	tests := []string{"", "plain", "it's", `$HOME`, "`id`", "a\nb", `back\slash`, `"dq"`, "tab\there", "*?[]{}~#&|;<>()", "'''"}
	for _, s := range tests {
		out, err := exec.Command("sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("shellQuote(%q) through sh gave %q", s, out)
		}
	}
}

func TestWrapCommandRunsUnchanged(t *testing.T) {
	// Each wrapped command, run by a local sh as sshd would, must print the
	// original command's output exactly. sudo is replaced by a stand-in that
	// drops its options, so this runs anywhere.
	cmd := "printf '%s|' \"it's\" '$HOME' '`x`'; echo \"a\nb\""
	want, err := exec.Command("sh", "-c", cmd).Output()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  RunOptions
		want string
	}{
		{"plain", RunOptions{}, cmd},
		{"shell", RunOptions{Shell: "bash -c"}, "bash -c " + shellQuote(cmd)},
		{"sudo", RunOptions{Sudo: true}, "sudo -S -- sh -c " + shellQuote(cmd)},
		{"user", RunOptions{User: "deploy"}, "sudo -S -u deploy -- sh -c " + shellQuote(cmd)},
		{"sudo shell", RunOptions{Sudo: true, Shell: "bash -c"}, "sudo -S -- bash -c " + shellQuote(cmd)},
	}
	fakeSudo := `sudo() { while [ "$1" != "--" ]; do shift; done; shift; "$@"; }; `
	for _, tt := range tests {
		got := wrapCommand(cmd, &tt.opt)
		if got != tt.want {
			t.Errorf("%s: wrapCommand = %q, want %q", tt.name, got, tt.want)
		}
		out, err := exec.Command("sh", "-c", fakeSudo+got).Output()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(out) != string(want) {
			t.Errorf("%s: output %q, want %q", tt.name, out, want)
		}
	}
}

func TestFormatCommand(t *testing.T) {
	tests := []struct {
		cmd  string
		args []string
		want string
		pos  int // -2: no error
	}{
		{"echo %s", []string{"a b"}, "echo a b", -2},
		{"echo %q", []string{"it's"}, `echo 'it'\''s'`, -2},
		{"date +%%s; echo %s-%s", []string{"x", "y"}, "date +%s; echo x-y", -2},
		{"echo none", nil, "echo none", -2},
		{"echo %s %s", []string{"x"}, "", 8},
		{"echo %s", []string{"x", "y"}, "", -1},
		{"echo %d", []string{"1"}, "", 5},
		{"echo 100%", nil, "", 8},
	}
	for _, tt := range tests {
		got, err := formatCommand(tt.cmd, tt.args)
		if tt.pos == -2 {
			if err != nil || got != tt.want {
				t.Errorf("formatCommand(%q, %q) = %q, %v; want %q", tt.cmd, tt.args, got, err, tt.want)
			}
			continue
		}
		var he *HostArgsError
		if !errors.As(error(err), &he) || he.Pos != tt.pos {
			t.Errorf("formatCommand(%q, %q) error = %v, want position %d", tt.cmd, tt.args, err, tt.pos)
		}
	}
}
