package main

import (
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nmodel name\t: other\n", "AMD EPYC 7B13"},
		{"processor : 0\n", "unknown"},
		{"", "unknown"},
	} {
		if got := cpuModel(tc.in); got != tc.want {
			t.Errorf("cpuModel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	if got := firstLine("\n  pdsh-2.34 (+readline)\nrcmd modules\n"); got != "pdsh-2.34 (+readline)" {
		t.Errorf("firstLine = %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"go", "run", "./bench/compare", "-n", "1,10"}, "go run ./bench/compare -n 1,10"},
		{[]string{"-transfer-args", "-big 16"}, "-transfer-args '-big 16'"},
		{[]string{"-cmd", "echo 'hi'"}, `-cmd 'echo '\''hi'\'''`},
		{[]string{""}, "''"},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestHeader(t *testing.T) {
	m := machine{host: "vm", cpuModel: "AMD EPYC", cores: 2, kernel: "6.1", versions: [][2]string{{"pdsh", "pdsh-2.34"}}}
	h := m.header("2026-11-24", "go run ./bench/compare -reps 1", "RLIMIT_NOFILE 20000")
	for _, want := range []string{
		"# pssh against its peers, 2026-11-24 on vm\n",
		"- CPU: AMD EPYC, 2 cores", "- kernel: 6.1; RLIMIT_NOFILE 20000\n",
		"- pdsh: pdsh-2.34\n", "- command: `go run ./bench/compare -reps 1`\n",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
}
