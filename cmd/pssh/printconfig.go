package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gopssh/pssh"
)

// pssh -G: the configuration the library resolved for each host, printed
// as ssh -G prints its own.

// printConfig is "pssh -G [flags] [HOST...]": the hosts are the arguments
// and those of -h and -H. Nothing is connected.
func printConfig(o *rootOptions, ios *ioStreams) error {
	opts := o.options
	opts.hostLists = append(append([]string(nil), opts.hostLists...), strings.Join(o.command, " "))
	s, err := connect(&opts, startup{ios: ios, poolSize: 1, verbose: o.verbose})
	if err != nil {
		return err
	}
	defer s.close()
	for i := range s.hosts {
		for _, l := range s.client.ResolvedConfig(i) {
			fmt.Fprintf(ios.Out, "%s %s\n", l.Keyword, l.Value)
		}
	}
	return nil
}

// noteNotApplied says once which ssh_config keywords that applied to the
// hosts pssh does not apply.
func noteNotApplied(w io.Writer, c *pssh.Client) {
	for _, n := range c.SSHConfigNotApplied() {
		fmt.Fprintf(w, "pssh: %s is not applied by pssh (ignored)\n", n)
	}
}

// noteMerged says which host-list entries run as an earlier one, being the
// same host: each with -v, else how many in one line, so that a host list
// never shrinks unnoticed.
func noteMerged(w io.Writer, c *pssh.Client, verbose bool) {
	merged := c.MergedHosts()
	switch {
	case len(merged) == 0:
	case verbose:
		for _, m := range merged {
			fmt.Fprintf(w, "pssh: %s is the same host as %s (%s): run once (--allow-duplicates runs each)\n", shown(m.Entry), shown(m.SameAs), shown(m.Target))
		}
	case len(merged) == 1:
		m := merged[0]
		fmt.Fprintf(w, "pssh: %s is the same host as %s: run once (--allow-duplicates runs each)\n", shown(m.Entry), shown(m.SameAs))
	default:
		fmt.Fprintf(w, "pssh: %d host entries are the same host as an earlier entry (same user, address, port and route): each runs once (--allow-duplicates runs every entry; -v lists them)\n", len(merged))
	}
}
