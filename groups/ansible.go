package groups

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/shellwords"
)

// inventory is Ansible inventories merged: the source "ansible".
type inventory struct {
	groups map[string]*invGroup
	hosts  []string                     // every host, in order of first appearance
	hvars  map[string]map[string]string // each host's own variables
	vars   map[string]Vars              // what Vars returns, once computed
}

type invGroup struct {
	hosts    []string
	member   map[string]bool // hosts, as a set
	children []string
	vars     map[string]string
}

func (inv *inventory) group(name string) *invGroup {
	g := inv.groups[name]
	if g == nil {
		g = &invGroup{member: map[string]bool{}, vars: map[string]string{}}
		inv.groups[name] = g
	}
	return g
}

// addHost puts host in group with its own variables. An inventory of more
// than hostlist.MaxHosts hosts is refused, as a host list of as many.
func (inv *inventory) addHost(group, host string, vars map[string]string) error {
	if _, ok := inv.hvars[host]; !ok {
		if len(inv.hosts) >= hostlist.MaxHosts {
			return fmt.Errorf("more than %d hosts", hostlist.MaxHosts)
		}
		inv.hosts = append(inv.hosts, host)
		inv.hvars[host] = map[string]string{}
	}
	maps.Copy(inv.hvars[host], vars)
	g := inv.group(group)
	if !g.member[host] {
		g.member[host] = true
		g.hosts = append(g.hosts, host)
	}
	return nil
}

func (inv *inventory) addChild(parent, child string) {
	g := inv.group(parent)
	inv.group(child)
	if !slices.Contains(g.children, child) {
		g.children = append(g.children, child)
	}
}

// loadInventories reads Ansible inventories, each INI or YAML (told apart
// by their content, as ansible tries its parsers).
func loadInventories(paths []string) (*inventory, error) {
	inv := &inventory{groups: map[string]*invGroup{}, hvars: map[string]map[string]string{}}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, &FileError{Path: p, Err: err}
		}
		if looksYAML(p, data) {
			err = inv.readYAML(p, data)
		} else {
			err = inv.readINI(p, data)
		}
		if err != nil {
			return nil, err
		}
	}
	inv.group("all")
	inv.computeVars()
	return inv, nil
}

// looksYAML tells a YAML inventory from an INI one: by its extension, else
// by its first significant line, which in INI is a host or a [section].
func looksYAML(path string, data []byte) bool {
	switch {
	case strings.HasSuffix(path, ".yml"), strings.HasSuffix(path, ".yaml"):
		return true
	case strings.HasSuffix(path, ".ini"):
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		return l == "---" || strings.HasSuffix(l, ":") && !strings.HasPrefix(l, "[")
	}
	return false
}

// readINI reads a static INI inventory: hosts before any section are
// ungrouped; [g] lists hosts with variables, [g:children] child groups,
// [g:vars] the group's variables.
func (inv *inventory) readINI(path string, data []byte) error {
	section, kind := "ungrouped", ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return &FileError{path, n, fmt.Errorf("bad section header %q", line)}
			}
			section, kind, _ = strings.Cut(line[1:len(line)-1], ":")
			if kind != "" && kind != "children" && kind != "vars" {
				return &FileError{path, n, fmt.Errorf("section [%s:%s]: want :children or :vars", section, kind)}
			}
			inv.group(section)
			continue
		}
		words, err := shellwords.SplitComment(line)
		if err != nil {
			return &FileError{path, n, err}
		}
		switch kind {
		case "children":
			inv.addChild(section, words[0])
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return &FileError{path, n, fmt.Errorf("want NAME=VALUE, not %q", line)}
			}
			inv.group(section).vars[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
		default:
			vars := map[string]string{}
			for _, w := range words[1:] {
				k, v, ok := strings.Cut(w, "=")
				if !ok {
					return &FileError{path, n, fmt.Errorf("host %s: want NAME=VALUE, not %q", words[0], w)}
				}
				vars[k] = v
			}
			pattern, port := splitINIPort(words[0])
			if port != "" {
				vars["ansible_port"] = port
			}
			hosts, err := expandAnsible(pattern)
			if err != nil {
				return &FileError{path, n, err}
			}
			for _, h := range hosts {
				if err := inv.addHost(section, h, vars); err != nil {
					return &FileError{path, n, err}
				}
			}
		}
	}
	return sc.Err()
}

// readYAML reads a YAML inventory: each top-level key is a group with
// hosts (a mapping of hosts to their variables), children (groups, read
// the same way) and vars.
func (inv *inventory) readYAML(path string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &FileError{Path: path, Err: err}
	}
	top := documentMapping(&doc)
	if top == nil {
		return nil
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if err := inv.yamlGroup(path, top.Content[i].Value, top.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (inv *inventory) yamlGroup(path, name string, n *yaml.Node) error {
	inv.group(name)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &FileError{path, n.Line, fmt.Errorf("group %s: want a mapping of hosts, children and vars", name)}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue
		}
		if val.Kind != yaml.MappingNode {
			return &FileError{path, val.Line, fmt.Errorf("group %s: %s: want a mapping", name, key)}
		}
		for j := 0; j+1 < len(val.Content); j += 2 {
			k, v := val.Content[j].Value, val.Content[j+1]
			switch key {
			case "hosts":
				vars, err := scalarMap(path, v)
				if err != nil {
					return err
				}
				hosts, err := expandAnsible(k)
				if err != nil {
					return &FileError{path, val.Content[j].Line, err}
				}
				for _, h := range hosts {
					if err := inv.addHost(name, h, vars); err != nil {
						return &FileError{path, val.Content[j].Line, err}
					}
				}
			case "children":
				inv.addChild(name, k)
				if err := inv.yamlGroup(path, k, v); err != nil {
					return err
				}
			case "vars":
				if v.Kind == yaml.ScalarNode {
					inv.group(name).vars[k] = v.Value
				}
			default:
				return &FileError{path, n.Content[i].Line, fmt.Errorf("group %s: unknown key %q (want hosts, children or vars)", name, key)}
			}
		}
	}
	return nil
}

// scalarMap reads a host's variables; those that are not scalars are of
// no use here and are skipped.
func scalarMap(path string, n *yaml.Node) (map[string]string, error) {
	out := map[string]string{}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return out, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &FileError{path, n.Line, errors.New("want a mapping of host variables")}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := n.Content[i+1]; v.Kind == yaml.ScalarNode {
			out[n.Content[i].Value] = v.Value
		}
	}
	return out, nil
}

// computeVars works out each host's connection settings as Ansible does:
// the variables of "all", then of the other groups from the least to the
// most nested (by name among equals), then the host's own.
func (inv *inventory) computeVars() {
	// A group's depth: one more than its deepest parent's; "all" and
	// groups without a parent are 0 and 1. Cycles count once.
	parents := map[string][]string{}
	for g, grp := range inv.groups {
		for _, c := range grp.children {
			parents[c] = append(parents[c], g)
		}
	}
	depth := map[string]int{"all": 0}
	var depthOf func(g string, seen map[string]bool) int
	depthOf = func(g string, seen map[string]bool) int {
		if d, ok := depth[g]; ok {
			return d
		}
		if seen[g] {
			return 0
		}
		seen[g] = true
		d := 1
		for _, p := range parents[g] {
			if p != "all" {
				d = max(d, depthOf(p, seen)+1)
			}
		}
		depth[g] = d
		return d
	}
	for g := range inv.groups {
		depthOf(g, map[string]bool{})
	}
	order := slices.SortedFunc(maps.Keys(inv.groups), func(a, b string) int {
		if depth[a] != depth[b] {
			return depth[a] - depth[b]
		}
		return strings.Compare(a, b)
	})
	merged := map[string]map[string]string{}
	for _, h := range inv.hosts {
		merged[h] = maps.Clone(inv.groups["all"].vars)
	}
	for _, g := range order {
		if g == "all" || len(inv.groups[g].vars) == 0 {
			continue
		}
		for h := range inv.members(g, map[string]bool{}, map[string]bool{}) {
			maps.Copy(merged[h], inv.groups[g].vars)
		}
	}
	inv.vars = map[string]Vars{}
	for _, h := range inv.hosts {
		m := merged[h]
		maps.Copy(m, inv.hvars[h])
		var v Vars
		v.Address = first(m, "ansible_host", "ansible_ssh_host")
		v.User = first(m, "ansible_user", "ansible_ssh_user")
		v.Site = first(m, "pssh_site", "site")
		if p, err := strconv.Atoi(first(m, "ansible_port", "ansible_ssh_port")); err == nil && p > 0 && p < 65536 {
			v.Port = p
		}
		if v != (Vars{}) {
			inv.vars[h] = v
		}
	}
}

// members adds to out (and returns) the hosts of group g and of its
// children, each group visited once.
func (inv *inventory) members(g string, visited, out map[string]bool) map[string]bool {
	if visited[g] {
		return out
	}
	visited[g] = true
	grp := inv.groups[g]
	for _, h := range grp.hosts {
		out[h] = true
	}
	for _, c := range grp.children {
		inv.members(c, visited, out)
	}
	return out
}

func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

func (inv *inventory) Name() string { return "ansible" }

func (inv *inventory) Groups(context.Context) ([]string, error) {
	var out []string
	for g := range inv.groups {
		if g == "ungrouped" && len(inv.groups[g].hostsOrNil()) == 0 {
			continue
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return out, nil
}

func (g *invGroup) hostsOrNil() []string {
	if g == nil {
		return nil
	}
	return g.hosts
}

// splitINIPort splits "host:port" (ranges allowed in host) into the host
// pattern and the port; an IPv6 address or a pattern without a port is
// returned whole.
func splitINIPort(pattern string) (string, string) {
	i := strings.LastIndexByte(pattern, ':')
	if i <= 0 {
		return pattern, ""
	}
	host, port := pattern[:i], pattern[i+1:]
	if _, err := strconv.Atoi(port); err != nil || strings.Count(host, "[") != strings.Count(host, "]") {
		return pattern, ""
	}
	// Any other colon outside brackets makes it an IPv6 address.
	depth := 0
	for _, c := range host {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				return pattern, ""
			}
		}
	}
	return host, port
}

// Members gives a group's hosts and children; "all" (and "*") every host.
func (inv *inventory) Members(_ context.Context, group string) (string, bool, error) {
	if group == "*" || group == "all" {
		return strings.Join(inv.hosts, ","), true, nil
	}
	g, ok := inv.groups[group]
	if !ok {
		return "", false, nil
	}
	items := slices.Clone(g.hosts)
	for _, c := range g.children {
		items = append(items, "@ansible:"+c)
	}
	return strings.Join(items, ","), true, nil
}

// expandAnsible expands Ansible's host ranges: [01:50] (zero-padded as
// written), [a:f], and [1:10:2] with a step; several multiply.
func expandAnsible(pattern string) ([]string, error) {
	i := strings.IndexByte(pattern, '[')
	if i < 0 {
		return []string{pattern}, nil
	}
	j := strings.IndexByte(pattern[i:], ']')
	if j < 0 {
		return nil, fmt.Errorf("host pattern %q: '[' without ']'", pattern)
	}
	body := pattern[i+1 : i+j]
	parts := strings.Split(body, ":")
	if len(parts) < 2 || len(parts) > 3 {
		if strings.Count(body, ":") > 2 { // an IPv6 address in brackets
			return []string{pattern}, nil
		}
		return nil, fmt.Errorf("host pattern %q: want [start:end] or [start:end:step]", pattern)
	}
	step := 1
	if len(parts) == 3 {
		s, err := strconv.Atoi(parts[2])
		if err != nil || s < 1 {
			return nil, fmt.Errorf("host pattern %q: bad step %q", pattern, parts[2])
		}
		step = s
	}
	var values []string
	lo, hi := parts[0], parts[1]
	if a, err := strconv.Atoi(lo); err == nil {
		b, err := strconv.Atoi(hi)
		if err != nil || b < a || (b-a)/step >= hostlist.MaxHosts {
			return nil, fmt.Errorf("host pattern %q: bad range %s:%s", pattern, lo, hi)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n += step {
			values = append(values, fmt.Sprintf("%0*d", width, n))
		}
	} else if len(lo) == 1 && len(hi) == 1 && lo <= hi {
		for c := lo[0]; c <= hi[0]; c += byte(step) {
			values = append(values, string(c))
			if int(c)+step > 255 {
				break
			}
		}
	} else {
		return nil, fmt.Errorf("host pattern %q: bad range %s:%s", pattern, lo, hi)
	}
	rest, err := expandAnsible(pattern[i+j+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range values {
		for _, r := range rest {
			out = append(out, pattern[:i]+v+r)
		}
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
