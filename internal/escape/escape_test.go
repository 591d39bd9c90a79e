package escape

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "web1 exited 1", 0, "web1 exited 1"},
		{"unicode passes", "café 日本 👍", 0, "café 日本 👍"},
		{"newline", "KILL\n[7] 00:00:00 [SUCCESS] forged", 0, `KILL\n[7] 00:00:00 [SUCCESS] forged`},
		{"tab and CR LF", "a\tb\r\n", 0, `a\tb\r\n`},
		{"OSC title", "\x1b]0;pwned\x07", 0, `\x1b]0;pwned\a`},
		{"CSI", "\x1b[2J", 0, `\x1b[2J`},
		{"NUL and DEL", "a\x00b\x7f", 0, `a\x00b\x7f`},
		{"C1 CSI in UTF-8", "a\u009b2J", 0, `a\u009b2J`},
		{"lone 8-bit CSI", "a\x9b2J", 0, `a\x9b2J`},
		{"invalid UTF-8", "\xff\xfe\xc3\x28", 0, `\xff\xfe\xc3(`},
		{"bidi override", "abc\u202edcba", 0, `abc\u202edcba`},
		{"backslash left alone", `C:\x1b`, 0, `C:\x1b`},
		{"within the limit", "short", 5, "short"},
		{"cut in plain text", "0123456789", 4, "0123... (6 more bytes)"},
		{"never inside an escape", "ab\x1bcd", 4, "ab... (3 more bytes)"},
		{"never inside a rune", "ab日本", 4, "ab... (6 more bytes)"},
		{"limit counts escapes", "\x1b\x1b\x1b", 8, `\x1b\x1b... (1 more bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Line(tc.in, tc.limit); got != tc.want {
				t.Errorf("Line(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
			}
		})
	}
}

// TestLineHuge: a quote of a huge server text is bounded, and costs no
// more than the bound.
func TestLineHuge(t *testing.T) {
	in := strings.Repeat("\"sshtest-kex-0001@example.com\" ", 7000)
	got := Line(in, 300)
	if len(got) > 300+len("... (9999999 more bytes)") || !strings.HasSuffix(got, " more bytes)") {
		t.Errorf("%d bytes: %q", len(got), got)
	}
	if a := testing.AllocsPerRun(10, func() { Line(in, 300) }); a > 3 {
		t.Errorf("%v allocations", a)
	}
}

func TestStream(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
	}{
		{"nothing", nil, ""},
		{"lines and tabs pass", []string{"a\tb\nc\n"}, "a\tb\nc\n"},
		{"CR LF passes", []string{"a\r\nb\r\n"}, "a\r\nb\r\n"},
		{"lone CR", []string{"host: x\r127.0.0.9: [SUCCESS] forged\n"}, `host: x\r127.0.0.9: [SUCCESS] forged` + "\n"},
		{"CR LF split between writes", []string{"a\r", "\nb"}, "a\r\nb"},
		{"CR then other split", []string{"a\r", "b"}, `a\rb`},
		{"CR at the end", []string{"a\r"}, `a\r`},
		{"CR CR LF", []string{"a\r\r\n"}, `a\r` + "\r\n"},
		{"OSC title", []string{"\x1b]0;pwned\x07ok\n"}, `\x1b]0;pwned\aok` + "\n"},
		{"rune split between writes", []string{"caf\xc3", "\xa9 \xe6\x97", "\xa5\n"}, "café 日\n"},
		{"C1 split between writes", []string{"a\xc2", "\x9b2J"}, `a\u009b2J`},
		{"truncated rune at the end", []string{"a\xe6\x97"}, `a\xe6\x97`},
		{"invalid UTF-8", []string{"\xff\xfe\n"}, `\xff\xfe` + "\n"},
		{"bidi override", []string{"\u2066x\n"}, `\u2066x` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Stream
			var out []byte
			for _, c := range tc.chunks {
				out = s.Append(out, []byte(c))
			}
			out = s.Flush(out)
			if string(out) != tc.want {
				t.Errorf("got %q, want %q", out, tc.want)
			}
		})
	}
}

// TestStreamByteAtATime: however the stream is cut into writes, the
// result is the same as from one write.
func TestStreamByteAtATime(t *testing.T) {
	in := "ok\r\nx\ry\x1b[1m日本\u009b\xff\u202e\n\r"
	var whole Stream
	want := whole.Flush(whole.Append(nil, []byte(in)))
	var s Stream
	var got []byte
	for i := range len(in) {
		got = s.Append(got, []byte{in[i]})
	}
	got = s.Flush(got)
	if string(got) != string(want) {
		t.Errorf("byte at a time %q, whole %q", got, want)
	}
}

func TestJSON(t *testing.T) {
	for _, in := range []string{
		"plain",
		"C0 \x00\x1b\r\n",
		"DEL \x7f",
		"C1 \u009b\u0085",
		"bidi \u202e\u2066\u061c",
		"unicode café 日本 👍",
		"invalid \xff",
	} {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		got := JSON(b)
		for _, r := range string(got) {
			if unsafeRune(r) {
				t.Errorf("%q: %q left in %q", in, r, got)
			}
		}
		var back, orig string
		json.Unmarshal(b, &orig)
		if err := json.Unmarshal(got, &back); err != nil || back != orig {
			t.Errorf("%q: %s decodes to %q (%v), want %q", in, got, back, err, orig)
		}
	}
	b := []byte(`{"a":"plain"}`)
	if got := JSON(b); &got[0] != &b[0] {
		t.Error("rewrote clean JSON")
	}
}
