package main

import (
	"slices"
	"strings"
	"testing"
)

// TestHabitFlagParsing checks that -w adds to -H's list in the order
// given, and that --pick takes a whole number.
func TestHabitFlagParsing(t *testing.T) {
	o, err := parseFlags([]string{"-w", "a", "-H", "b,c", "--nodes", "d", "--pick", "2", "-L", "-B", "true"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b,c", "d"}; !slices.Equal(o.hostLists, want) {
		t.Errorf("hosts %q, want %q", o.hostLists, want)
	}
	if o.pick != 2 || !o.byHost || !o.gatherAll {
		t.Errorf("pick %d, -L %v, -B %v", o.pick, o.byHost, o.gatherAll)
	}
	if _, err := parseFlags([]string{"--pick", "0", "true"}); err == nil {
		t.Error("--pick 0 accepted")
	}
}

// TestUnknownFlagSuggestions checks what an unknown flag answers: the flag
// of pssh that does what pdsh's or clush's does, or the nearest long flag.
func TestUnknownFlagSuggestions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
		help string
	}{
		{[]string{"-f", "64", "uptime"}, "unknown flag -f; the fanout of pdsh and clush is -p N (--par)", "pssh"},
		{[]string{"--fanout=64", "uptime"}, "unknown flag --fanout; the fanout of pdsh and clush is -p N (--par)", "pssh"},
		{[]string{"-u", "5", "uptime"}, "unknown flag -u; the command timeout of pdsh and clush is -t S (--timeout)", "pssh"},
		{[]string{"-N", "uptime"}, "unknown flag -N; pssh prints no host prefix unless -P or -L asks for it", "pssh"},
		{[]string{"-c", "f", "/tmp"}, "unknown flag -c; to copy files use pssh cp (and pssh slurp to fetch them)", "pssh"},
		{[]string{"--timout", "5", "uptime"}, "unknown flag --timout; did you mean --timeout?", "pssh"},
		{[]string{"--gater", "uptime"}, "unknown flag --gater; did you mean --gather?", "pssh"},
		{[]string{"--verb", "uptime"}, "unknown flag --verb; did you mean --verbose?", "pssh"},
		{[]string{"cp", "--recursiv", "a", "b"}, "unknown flag --recursiv; did you mean --recursive?", "pssh cp"},
		{[]string{"--zzzzzz", "uptime"}, "unknown flag --zzzzzz", "pssh"},
	} {
		r := runIn(testStreams(""), tt.args...)
		want := "pssh: " + tt.msg + "\nRun '" + tt.help + " --help' for usage.\n"
		if r.code != exitUsage || r.stderr != want {
			t.Errorf("%q: exit %d, stderr %q; want %q", tt.args, r.code, r.stderr, want)
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"web10", "web2", "db1", "web02x", "web1", "web"}
	slices.SortFunc(names, naturalCompare)
	if want := []string{"db1", "web", "web1", "web2", "web02x", "web10"}; !slices.Equal(names, want) {
		t.Errorf("%q, want %q", names, want)
	}
}

// TestHabitViews runs -w, --pick, -L and -B against test servers.
func TestHabitViews(t *testing.T) {
	b := newBed(t, 3)
	hosts := b.hosts()
	t.Run("-w", func(t *testing.T) {
		r := runPssh(t, append(b.auth(), "-w", strings.Join(hosts, ","), "true")...)
		wantCode(t, r, 0)
		if n := len(statuses(t, r.stdout)); n != 3 {
			t.Errorf("%d hosts ran, want 3", n)
		}
	})
	t.Run("--pick", func(t *testing.T) {
		seen := map[string]bool{}
		for range 8 {
			r := runPssh(t, append(b.flags(), "--pick", "2", "true")...)
			wantCode(t, r, 0)
			st := statuses(t, r.stdout)
			if len(st) != 2 {
				t.Fatalf("--pick 2 ran %d hosts:\n%s", len(st), r.stdout)
			}
			for h := range st {
				if !slices.Contains(hosts, h) {
					t.Errorf("picked %q, not of the list", h)
				}
				seen[h] = true
			}
		}
		// Eight picks of 2 of 3 hosts all the same pair: 3 * (1/3)^7.
		if len(seen) < 3 {
			t.Logf("only %d distinct hosts picked over 8 runs", len(seen))
		}
	})
	t.Run("-L", func(t *testing.T) {
		r := runPssh(t, append(b.flags(), "-L", "echo one; echo err >&2; echo two")...)
		wantCode(t, r, 0)
		var want []string
		sorted := slices.Clone(hosts)
		slices.SortFunc(sorted, naturalCompare)
		for _, h := range sorted {
			want = append(want, h+": one", h+": two")
		}
		if got := lines(r.stdout); !slices.Equal(got, want) {
			t.Errorf("stdout %q, want %q", got, want)
		}
		for _, h := range hosts {
			if !strings.Contains(r.stderr, h+": err\n") {
				t.Errorf("stderr lacks %s's line: %q", h, r.stderr)
			}
		}
	})
	t.Run("-L failure", func(t *testing.T) {
		r := runPssh(t, append(b.flags(), "-L", "echo x; exit 3")...)
		wantCode(t, r, 5)
		if !strings.Contains(r.stderr, "exited 3") || strings.Count(r.stdout, ": x\n") != 3 {
			t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("-B", func(t *testing.T) {
		// Which of stdout and stderr comes first is the hosts' race: the
		// stderr-only output shows where stderr goes.
		r := runPssh(t, append(b.flags(), "-B", "echo err >&2")...)
		wantCode(t, r, 0)
		if l := lines(r.stdout); len(l) != 4 || !strings.HasSuffix(l[1], "(3)") || l[3] != "err" {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		if r.stderr != "" {
			t.Errorf("stderr not gathered with stdout: %q", r.stderr)
		}
		r = runPssh(t, append(b.flags(), "-B", "echo out; echo err >&2")...)
		if strings.Count(r.stdout, "out\n") < 1 || strings.Count(r.stdout, "err\n") < 1 || r.stderr != "" {
			t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
}
