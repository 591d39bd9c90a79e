package main

// The habits of pdsh and clush users, taken as they type them: -w for the
// hosts, --pick, -L and -B; and the flags of those tools (or typos of
// ours) answered with the flag of pssh that does the same.

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/escape"
)

// addHabitHostFlags defines -w (pdsh's and clush's -H) and --pick.
func addHabitHostFlags(fs *pflag.FlagSet, o *options) {
	g := flagGroup{fs, hostsGroup}
	g.value(&nodesValue{fs}, "nodes", "w", "HOSTS", "the same as -H (pdsh -w, clush -w)")
	g.int(&o.pick, "pick", "", "N", 0, 1, "run on N hosts of the list picked at random (clush --pick)")
}

// nodesValue is -w: each value goes to -H, so that -w and -H add to one
// list in the order given.
type nodesValue struct{ fs *pflag.FlagSet }

func (v *nodesValue) Set(s string) error { return v.fs.Set("host", s) }
func (v *nodesValue) String() string     { return "" }
func (v *nodesValue) Type() string       { return "stringArray" } // repeatable, for completion

// addHabitOutputFlags defines -L and -B, the views of clush -L and -B.
func addHabitOutputFlags(g flagGroup, o *runOptions) {
	g.switchFlag(&o.byHost, "by-host", "L", `after the run, every output line as "host: line", hosts in order of name (clush -L)`)
	g.switchFlag(&o.gatherAll, "gather-all", "B", "as -b, with stderr gathered together with stdout (clush -B)")
}

// pickHosts returns n hosts of hosts chosen at random, in their order in
// the list; all of them if n is 0 or at least their number.
func pickHosts(hosts []string, n int) []string {
	if n <= 0 || n >= len(hosts) {
		return hosts
	}
	idx := rand.Perm(len(hosts))[:n]
	slices.Sort(idx)
	picked := make([]string, n)
	for i, k := range idx {
		picked[i] = hosts[k]
	}
	return picked
}

// byHostLines prints the output of -L once every host is done: each host's
// lines prefixed with its name, hosts in natural order of name (web2
// before web10); stdout's lines on stdout, stderr's on stderr (on stdout
// too with -B), then the hosts that failed.
func (r *reporter) byHostLines() {
	res := r.byIndex()
	slices.SortStableFunc(res, func(a, b *result) int { return naturalCompare(a.name, b.name) })
	for _, stream := range r.streams() {
		for _, x := range res {
			c := stream.get(x)
			if c.empty() {
				continue
			}
			lp := &linePrinter{p: r.p, w: stream.out, prefix: shown(x.name) + ": "}
			if r.p.escapes(stream.out) {
				lp.esc = new(escape.Stream)
			}
			c.each(lp.write)
			lp.flush()
			c.discard()
		}
	}
	for _, f := range failures(res) {
		r.p.errf("pssh: %s: %s\n", shown(hostlist.Fold(f.hosts)), f.text)
	}
}

// each calls f with the content, piece by piece.
func (c *capture) each(f func([]byte)) {
	if c.empty() {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := c.buf.Read(buf)
		if n > 0 {
			f(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// naturalCompare orders names as people do: the runs of digits in them
// compare as numbers, so web2 comes before web10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the run of digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// habitHints answer the flags of pdsh, clush and ssh that pssh has under
// another name, or not at all, by the name typed (a short name without
// its dash, a long one with both).
var habitHints = map[string]string{
	"R":          "pssh forward takes -L/-R/-D; pdsh's -R (rcmd module) has no counterpart: pssh always speaks SSH itself",
	"f":          "the fanout of pdsh and clush is -p N (--par)",
	"--fanout":   "the fanout of pdsh and clush is -p N (--par)",
	"u":          "the command timeout of pdsh and clush is -t S (--timeout)",
	"a":          "pssh has no host list of its own: give the hosts with -h FILE, -H or -w",
	"N":          "pssh prints no host prefix unless -P or -L asks for it",
	"S":          "pssh's exit status already tells the worst host's (see pssh --help)",
	"c":          "to copy files use pssh cp (and pssh slurp to fetch them)",
	"--copy":     "to copy files use pssh cp",
	"--rcopy":    "to fetch files use pssh slurp",
	"d":          "-v (--verbose) prints each failed host's whole error",
	"n":          "pssh sends no standard input unless -I (clush -n)",
	"--nostdin":  "pssh sends no standard input unless -I",
	"--password": "give a password with -A (asked once) or --password-file FILE",
}

// forwardHint answers a flag of pssh forward given to another command.
func forwardHint(name string, short bool) string {
	flag, key := "--"+name, "--"+name
	if short {
		flag, key = "-"+name, name
	}
	if hint := habitHints[key]; hint != "" {
		return "unknown flag " + flag + "; " + hint
	}
	return "unknown flag " + flag + "; pssh forward takes -L/-R/-D"
}

// suggestFlag says what to type instead of an unknown flag of cmd: the
// answer to a habit of pdsh, clush or ssh, or the nearest long flag of
// cmd; "" when nothing is near.
func suggestFlag(fs *pflag.FlagSet, name string, short bool) string {
	key := name
	if !short {
		key = "--" + name
	}
	if hint := habitHints[key]; hint != "" {
		return hint
	}
	if short {
		return ""
	}
	// Near: one edit away (two for names of 8 letters or more), or a
	// prefix of 3 letters or more.
	best, bestDist := "", 2
	if len(name) >= 8 {
		bestDist = 3
	}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(name, f.Name)
		if len(name) >= 3 && strings.HasPrefix(f.Name, name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return ""
	}
	return fmt.Sprintf("did you mean --%s?", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
