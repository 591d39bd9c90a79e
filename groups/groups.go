// Package groups resolves named groups of hosts in host lists, as
// ClusterShell's clush and nodeset, and Ansible, name them:
//
//	@web                   the hosts of group web, from the first source that has it
//	@roles:web             group web of source roles
//	@web,@db               both groups
//	@web!@canary           web without canary (the same as "@web,!@canary")
//	@rack[1-3]             groups rack1, rack2 and rack3
//	@*  @roles:*           every host of the default source, of source roles
//	web[01-05],!@broken    host ranges and groups mix freely
//
// A list is made of items separated by commas and white space outside
// brackets, as package hostlist reads them; hosts and host ranges in it
// are expanded by hostlist. A "!" starts an exclusion, at the start of an
// item or inside one: the hosts after it are removed from the whole list
// (inside a group's own definition, from that group), as hostlist removes
// "!host" items.
//
// Groups come from sources, searched in this order for a name without a
// source, after those the caller gives ([Options.Sources]):
//
//  1. Ansible inventories, static INI and YAML: groups, children, and the
//     ansible_host, ansible_port and ansible_user of each host (see
//     [Resolver.Vars]).
//  2. Group files: YAML mapping each name to hosts.
//  3. ClusterShell's configuration, so clush users bring their groups
//     unchanged: groups.conf and the files it names (confdir, autodir),
//     YAML group files, and external-command sources (map, list, all)
//     run through the shell as clush runs them. Only the default source
//     answers names without a source; "@source:name" reaches the others.
//
// Files the caller names come before the machine's configuration: a group
// of ClusterShell's (Debian's package ships example groups such as @all
// and @compute) does not shadow one of an inventory given on purpose.
//
// [New] reads the sources; [Resolver.Expand] expands a list.
package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gopssh/pssh/hostlist"
)

// A Source is a namespace of groups.
type Source interface {
	// Name is the source's name, as in "@name:group".
	Name() string
	// Groups lists the source's group names, sorted.
	Groups(ctx context.Context) ([]string, error)
	// Members returns the definition of group as a host list, which may
	// name other groups ("@other"), ranges and exclusions; ok is false
	// when the source has no such group. The name "*" asks for every
	// host of the source.
	Members(ctx context.Context, group string) (list string, ok bool, err error)
}

// Vars are the connection settings an inventory gives one host: Ansible's
// ansible_host, ansible_port and ansible_user, and the site whose workers
// run it (package cluster). Zero fields are not set.
type Vars struct {
	Address string // ansible_host: the address to connect to
	Port    int    // ansible_port
	User    string // ansible_user
	Site    string // pssh_site, or else site
}

// Options say where the sources are. The zero value reads the standard
// locations: ClusterShell's configuration directories, no Ansible
// inventory and no group file.
type Options struct {
	// ClusterShellDirs are the directories holding groups.conf, in
	// decreasing order of precedence: for each setting of [Main] and each
	// source, the first file that has it wins. The last one is the system
	// directory, whose groups.conf.d and groups.d are read by default as
	// ClusterShell does. nil means $CLUSTERSHELL_CFGDIR (when set),
	// $XDG_CONFIG_HOME/clustershell (default ~/.config/clustershell) and
	// /etc/clustershell. Set NoClusterShell to read none.
	ClusterShellDirs []string
	NoClusterShell   bool

	// Inventories are Ansible inventory files, INI or YAML (as
	// ansible -i FILE), merged into one source named "ansible".
	Inventories []string

	// GroupFiles are YAML files mapping group names to hosts, a host list
	// or a sequence of them, merged into one source named "file".
	GroupFiles []string

	// Sources are the caller's own, searched before the others: a
	// program's groups of its own (pssh's @failed) cannot be shadowed by
	// a configuration's.
	Sources []Source

	// Shell runs ClusterShell's external commands; default /bin/sh.
	Shell string
}

// A Resolver expands host lists with groups. It caches what its sources
// answered, external commands' output included, for its lifetime. Its
// methods may be called concurrently.
type Resolver struct {
	sources  []Source
	byName   map[string]Source
	defaults []Source // searched for names without a source
	vars     map[string]Vars

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	list string
	ok   bool
}

// New reads the sources opts names. Missing ClusterShell files are
// skipped, as clush skips them; a missing inventory or group file is an
// error.
func New(ctx context.Context, opts Options) (*Resolver, error) {
	r := &Resolver{byName: map[string]Source{}, vars: map[string]Vars{}, cache: map[string]cached{}}
	add := func(s Source, isDefault bool) {
		if _, dup := r.byName[s.Name()]; dup {
			return // the first source of a name wins
		}
		r.sources = append(r.sources, s)
		r.byName[s.Name()] = s
		if isDefault {
			r.defaults = append(r.defaults, s)
		}
	}
	for _, s := range opts.Sources {
		add(s, true)
	}
	if len(opts.Inventories) > 0 {
		inv, err := loadInventories(opts.Inventories)
		if err != nil {
			return nil, err
		}
		add(inv, true)
		for h, v := range inv.vars {
			r.vars[h] = v
		}
	}
	if len(opts.GroupFiles) > 0 {
		f, err := loadGroupFiles(opts.GroupFiles)
		if err != nil {
			return nil, err
		}
		add(f, true)
	}
	if !opts.NoClusterShell {
		cs, def, err := loadClusterShell(opts)
		if err != nil {
			return nil, err
		}
		for _, s := range cs {
			add(s, s.Name() == def)
		}
	}
	return r, nil
}

// Sources returns the sources in the order they are searched.
func (r *Resolver) Sources() []Source { return slices.Clone(r.sources) }

// Searched returns the sources searched for a group named without a
// source, in order: the caller's, the inventories, the group files and
// ClusterShell's default source.
func (r *Resolver) Searched() []Source { return slices.Clone(r.defaults) }

// Vars returns the connection settings an inventory gives host, named as
// in the inventory; ok is false when it gives none.
func (r *Resolver) Vars(host string) (v Vars, ok bool) {
	v, ok = r.vars[host]
	return v, ok
}

// Expand expands list into its hosts, in the order written, without
// duplicates, groups resolved and exclusions applied. Errors are
// *[UnknownGroupError], *[CycleError], *[CommandError],
// *hostlist.SyntaxError, or the sources' own.
func (r *Resolver) Expand(ctx context.Context, list string) ([]string, error) {
	include, exclude, err := r.Parse(ctx, list)
	if err != nil {
		return nil, err
	}
	return hostlist.Exclude(include, exclude), nil
}

// Parse expands list as Expand does but returns the hosts to include and
// those to exclude apart, as hostlist.Parse, for callers that combine
// several lists and exclude at the end. Groups are expanded whole: a
// group's own exclusions are applied inside it.
func (r *Resolver) Parse(ctx context.Context, list string) (include, exclude []string, err error) {
	return r.parse(ctx, list, nil, nil)
}

// Group returns the hosts of one group, "name" or "source:name", without
// the "@".
func (r *Resolver) Group(ctx context.Context, name string) ([]string, error) {
	return r.group(ctx, name, nil, nil)
}

// ref is one group being expanded, to detect cycles.
type ref struct{ source, name string }

// parse expands list; from is the source whose group definition list is
// (nil at the top), whose names are looked up there first; stack holds
// the groups being expanded.
func (r *Resolver) parse(ctx context.Context, list string, from Source, stack []ref) (include, exclude []string, err error) {
	for _, it := range hostlist.Items(list) {
		for k, part := range splitBang(it) {
			if part == "" {
				if k == 0 {
					continue // a leading "!"
				}
				return nil, nil, &hostlist.SyntaxError{Expr: list, Pos: strings.Index(list, it), Reason: `"!" with no host after it`}
			}
			var hosts []string
			if strings.HasPrefix(part, "@") {
				hosts, err = r.groups(ctx, part[1:], from, stack)
			} else {
				hosts, err = hostlist.Expand(part)
			}
			if err != nil {
				return nil, nil, err
			}
			if k == 0 {
				include = append(include, hosts...)
			} else {
				exclude = append(exclude, hosts...)
			}
		}
	}
	return include, exclude, nil
}

// groups expands one "@" reference without the "@": "name",
// "source:name", with ranges in the name ("rack[1-3]").
func (r *Resolver) groups(ctx context.Context, spec string, from Source, stack []ref) ([]string, error) {
	source, name, qualified := strings.Cut(spec, ":")
	if !qualified {
		source, name = "", spec
	}
	if name == "" {
		return nil, &hostlist.SyntaxError{Expr: "@" + spec, Pos: 1, Reason: "no group name"}
	}
	names := []string{name}
	if strings.ContainsRune(name, '[') {
		var err error
		if names, err = hostlist.Expand(name); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, n := range names {
		full := n
		if qualified {
			full = source + ":" + n
		}
		hosts, err := r.group(ctx, full, from, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, hosts...)
	}
	return out, nil
}

// group expands the group full, "name" or "source:name".
func (r *Resolver) group(ctx context.Context, full string, from Source, stack []ref) ([]string, error) {
	src, list, err := r.lookup(ctx, full, from)
	if err != nil {
		return nil, err
	}
	name := full
	if i := strings.IndexByte(full, ':'); i >= 0 {
		name = full[i+1:]
	}
	me := ref{src.Name(), name}
	if i := slices.Index(stack, me); i >= 0 {
		var path []string
		for _, s := range append(stack[i:], me) {
			path = append(path, "@"+s.source+":"+s.name)
		}
		return nil, &CycleError{Path: path}
	}
	include, exclude, err := r.parse(ctx, list, src, append(stack, me))
	if err != nil {
		var se *hostlist.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("group @%s:%s: %w", src.Name(), name, err)
		}
		return nil, err
	}
	return hostlist.Exclude(include, exclude), nil
}

// lookup finds the definition of full: in its source if it names one,
// else in from (the source of the group being expanded), then in the
// default sources in order.
func (r *Resolver) lookup(ctx context.Context, full string, from Source) (Source, string, error) {
	if source, name, ok := strings.Cut(full, ":"); ok {
		s := r.byName[source]
		if s == nil {
			return nil, "", &UnknownGroupError{Group: name, Source: source, NoSource: true}
		}
		list, found, err := r.members(ctx, s, name)
		if err != nil {
			return nil, "", err
		}
		if !found {
			return nil, "", &UnknownGroupError{Group: name, Source: source}
		}
		return s, list, nil
	}
	search := r.defaults
	if from != nil {
		search = append([]Source{from}, search...)
	}
	for _, s := range search {
		list, found, err := r.members(ctx, s, full)
		if err != nil {
			return nil, "", err
		}
		if found {
			return s, list, nil
		}
	}
	return nil, "", &UnknownGroupError{Group: full}
}

// members asks s for group's definition, once per resolver.
func (r *Resolver) members(ctx context.Context, s Source, group string) (string, bool, error) {
	key := s.Name() + "\x00" + group
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return c.list, c.ok, nil
	}
	list, found, err := s.Members(ctx, group)
	if err != nil {
		return "", false, err
	}
	r.mu.Lock()
	r.cache[key] = cached{list, found}
	r.mu.Unlock()
	return list, found, nil
}

// splitBang splits an item at each "!" outside brackets: the first part
// is included (empty for an item starting with "!"), the others excluded.
func splitBang(item string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(item); i++ {
		switch item[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '!':
			if depth == 0 {
				parts = append(parts, item[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, item[start:])
}
