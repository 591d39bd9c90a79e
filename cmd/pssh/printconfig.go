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

// noteMerged notes (-v) each host-list entry run as an earlier one, being
// the same host.
func noteMerged(w io.Writer, c *pssh.Client) {
	for _, m := range c.MergedHosts() {
		fmt.Fprintf(w, "pssh: %s is the same host as %s (%s): run once (--allow-duplicates runs each)\n", shown(m.Entry), shown(m.SameAs), shown(m.Target))
	}
}
