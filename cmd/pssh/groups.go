package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/groups"
	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/hostspec"
)

// groupOptions are the flags that name where groups come from, and the
// retry of the last run's failed hosts.
type groupOptions struct {
	inventories []string // --inventory
	groupFiles  []string // --groups
	retryFailed bool     // --retry-failed
	failedTo    string   // --failed-to

	resolver *groups.Resolver // made on first use (see groupsFor)
}

// addGroupFlags defines the flags of groups, listed with the hosts.
func addGroupFlags(g flagGroup, o *groupOptions) {
	g.strings(&o.inventories, "inventory", "", "FILE", "Ansible inventory, INI or YAML (repeatable): its groups are @names, its ansible_host, ansible_port and ansible_user apply to its hosts")
	g.strings(&o.groupFiles, "groups", "", "FILE", "YAML file of groups, name: hosts (repeatable)")
	g.switchFlag(&o.retryFailed, "retry-failed", "", "run on the hosts that failed or were unreached in the last run: -H @failed")
	g.string(&o.failedTo, "failed-to", "", "FILE", "also write the hosts that failed or were unreached to FILE, one a line (a hosts file for -h)")
}

// needsGroups reports whether expr names a group: an item, or an
// exclusion inside one, starting with "@" (not user@host).
func needsGroups(expr string) bool {
	for _, it := range hostlist.Items(expr) {
		if strings.HasPrefix(it, "@") || strings.HasPrefix(it, "!@") || strings.Contains(it, "!@") {
			return true
		}
	}
	return false
}

// groupsFor returns the resolver of the options' sources, made once:
// pssh's own groups of the last run (@failed, @succeeded, @unreached),
// ClusterShell's configuration, the inventories and the group files.
func (o *groupOptions) groupsFor(ctx context.Context) (*groups.Resolver, error) {
	if o.resolver != nil {
		return o.resolver, nil
	}
	last, err := lastRunSource()
	if err != nil {
		return nil, err
	}
	r, err := groups.New(ctx, groups.Options{
		Inventories: o.inventories,
		GroupFiles:  o.groupFiles,
		Sources:     []groups.Source{last},
	})
	if err != nil {
		return nil, usagef("groups: %v", err)
	}
	o.resolver = r
	return r, nil
}

// usesGroups reports whether the options need the resolver whatever the
// host lists say: an inventory's variables apply to hosts named plainly.
func (o *groupOptions) usesGroups() bool {
	return len(o.inventories) > 0 || len(o.groupFiles) > 0 || o.retryFailed
}

// parseHosts expands one host list as hostlist.Parse does, with groups.
func (o *groupOptions) parseHosts(expr string) (include, exclude []string, err error) {
	if !needsGroups(expr) && !o.usesGroups() {
		return hostlist.Parse(expr)
	}
	r, err := o.groupsFor(context.Background())
	if err != nil {
		return nil, nil, err
	}
	return r.Parse(context.Background(), expr)
}

// hostConfigs returns the per-host settings the inventories give the
// hosts, parallel to hosts, or nil when they give none. A user or port in
// the host's entry still wins.
func (o *groupOptions) hostConfigs(hosts []string) []pssh.HostConfig {
	if o.resolver == nil {
		return nil
	}
	var out []pssh.HostConfig
	for i, h := range hosts {
		spec, err := hostspec.Parse(h)
		if err != nil {
			continue
		}
		v, ok := o.resolver.Vars(spec.Host)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]pssh.HostConfig, len(hosts))
		}
		out[i] = pssh.HostConfig{HostName: v.Address, Port: v.Port, User: v.User}
	}
	return out
}

// groupsCmdOptions are the options of "pssh groups [NAME...]".
type groupsCmdOptions struct {
	groupOptions
	fold  bool
	names []string
}

// newCmdGroups returns "pssh groups", which lists the groups of every
// source, or expands the groups and host lists it is given.
func newCmdGroups(ios *ioStreams, runF func(*groupsCmdOptions) error) *cobra.Command {
	o := &groupsCmdOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "groups [flags] [NAME|LIST...]",
		Short: "list the groups of hosts, or expand some",
		Long: `Without arguments, list the groups of each source, in the order a name
without a source is looked up: pssh's own (@failed, @unreached and
@succeeded, from the last run), the --inventory files, the --groups files,
ClusterShell's default source; ClusterShell's other sources are reached as
@source:name. With arguments, print the hosts of each group
NAME (the "@" may be left out) or host LIST (-H's syntax), one a line.`,
		Args: cobra.ArbitraryArgs,
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.names = args
			if runF != nil {
				return runF(o)
			}
			return runGroups(o, ios)
		}),
	})
	fs := cmd.Flags()
	addGroupSourceFlags(fs, &o.groupOptions)
	flagGroup{fs, otherGroup}.switchFlag(&o.fold, "fold", "f", "print the hosts folded on one line: web[01-03,07]")
	return cmd
}

// addGroupSourceFlags defines the flags naming group sources, for pssh
// groups: --inventory and --groups.
func addGroupSourceFlags(fs *pflag.FlagSet, o *groupOptions) {
	all := pflag.NewFlagSet("", pflag.ContinueOnError)
	addGroupFlags(flagGroup{all, hostsGroup}, o)
	fs.AddFlag(all.Lookup("inventory"))
	fs.AddFlag(all.Lookup("groups"))
}

// runGroups is "pssh groups".
func runGroups(o *groupsCmdOptions, ios *ioStreams) error {
	ctx := context.Background()
	r, err := o.groupsFor(ctx)
	if err != nil {
		return err
	}
	if len(o.names) > 0 {
		for _, name := range o.names {
			expr := name
			if !strings.ContainsAny(name, "@,! ") && !strings.ContainsRune(name, '[') {
				expr = "@" + name
			}
			hosts, err := r.Expand(ctx, expr)
			if err != nil {
				return usagef("%v", err)
			}
			if o.fold {
				if len(hosts) > 0 {
					fmt.Fprintln(ios.Out, hostlist.Fold(hosts))
				}
				continue
			}
			for _, h := range hosts {
				fmt.Fprintln(ios.Out, h)
			}
		}
		return nil
	}
	searched := map[string]bool{}
	for _, s := range r.Searched() {
		searched[s.Name()] = true
	}
	for _, s := range r.Sources() {
		names, err := s.Groups(ctx)
		if err != nil {
			return err
		}
		how := "@source:name"
		if searched[s.Name()] {
			how = "@name"
		}
		fmt.Fprintf(ios.Out, "%s (%s):\n", s.Name(), how)
		for _, n := range names {
			line := "  " + n
			if o.fold {
				hosts, err := r.Group(ctx, s.Name()+":"+n)
				if err != nil {
					line += "  error: " + err.Error()
				} else {
					line += "  " + hostlist.Fold(hosts)
				}
			}
			fmt.Fprintln(ios.Out, line)
		}
	}
	return nil
}
