package main

import (
	"os"
	"path/filepath"
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
		"- CPU: AMD EPYC, 2 cores", "- kernel: 6.1\n- limits and load: RLIMIT_NOFILE 20000\n",
		"- pdsh: pdsh-2.34\n", "- command: `go run ./bench/compare -reps 1`\n",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
}

func TestSetAutogroup(t *testing.T) {
	for _, tc := range []struct {
		name       string
		file       string // "" for none
		off        bool
		wantDuring string
		wantSaid   string
	}{
		{"turned off", "1\n", true, "0\n", "sched_autogroup_enabled 1, set to 0 for the run"},
		{"kept", "1\n", false, "1\n", "sched_autogroup_enabled 1 (kept: sessions, not processes, share the CPU)"},
		{"already off", "0\n", true, "0\n", "sched_autogroup_enabled 0"},
		{"no switch", "", true, "", "no scheduler autogroups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sched_autogroup_enabled")
			if tc.file != "" {
				if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, restore, err := setAutogroup(path, tc.off)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != tc.wantSaid {
				t.Errorf("String() = %q, want %q", got, tc.wantSaid)
			}
			if tc.file == "" {
				restore()
				return
			}
			if data, _ := os.ReadFile(path); string(data) != tc.wantDuring {
				t.Errorf("during the run the switch is %q, want %q", data, tc.wantDuring)
			}
			restore()
			if data, _ := os.ReadFile(path); string(data) != tc.file {
				t.Errorf("restored to %q, want %q", data, tc.file)
			}
		})
	}
}

func TestLoadAverage(t *testing.T) {
	if got := loadAverage("4.19 9.17 7.64 3/812 31821\n"); got != "4.19 9.17 7.64" {
		t.Errorf("loadAverage = %q", got)
	}
	if got := loadAverage(""); got != "unknown" {
		t.Errorf("loadAverage(\"\") = %q", got)
	}
}
