package safename

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestHost(t *testing.T) {
	for name, want := range map[string]string{
		"web1":              "web1",
		"web1:22":           "web1:22",
		"[::1]:22":          "[::1]:22",
		"..":                "_..",
		".":                 "_.",
		"":                  "_",
		"../etc":            ".._etc",
		"a/b":               "a_b",
		"/":                 "_",
		"x\x00y":            "x_y",
		"...":               "...",
		"user@host.example": "user@host.example",
	} {
		got := Host(name)
		if got != want {
			t.Errorf("Host(%q) = %q, want %q", name, got, want)
		}
		// Whatever the name, joined to a directory it stays a child of it.
		if p := filepath.Join("dir", got); filepath.Dir(p) != "dir" {
			t.Errorf("Host(%q) = %q: joined to dir it is %q", name, got, p)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"a", "a.b", "...", ".hidden", "x y", "ünï"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "/etc/passwd", "x\x00"} {
		if err := Check(bad); err == nil || !strings.Contains(err.Error(), "refusing file name") {
			t.Errorf("Check(%q) = %v, want a refusal", bad, err)
		}
	}
}
