package hostspec

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are
// *SyntaxError with a position within the input, and that an accepted
// spec written back out parses to the same spec.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"web1", "root@web1:2222", "[::1]:22", "::1", "fe80::1%eth0", "[fe80::1%eth0]:2200",
		"u@h@g", "@h", "h:", "h:0", "h:65536", "[::1", "[]:22", "[::1]x", " h", "h/x", "a:b:c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) || se.Spec != s {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		if sp.Host == "" || sp.Port < 0 || sp.Port > 65535 {
			t.Fatalf("Parse(%q) = %+v", s, sp)
		}
		// Written back out, with brackets for any host with a colon.
		var b strings.Builder
		if sp.User != "" {
			b.WriteString(sp.User + "@")
		}
		if strings.Contains(sp.Host, ":") {
			b.WriteString("[" + sp.Host + "]")
		} else {
			b.WriteString(sp.Host)
		}
		if sp.Port != 0 {
			b.WriteString(":" + strconv.Itoa(sp.Port))
		}
		back, err := Parse(b.String())
		if err != nil || back != sp {
			t.Fatalf("Parse(%q) = %+v; written as %q it parses to %+v, %v", s, sp, b.String(), back, err)
		}
	})
}
