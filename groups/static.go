package groups

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// mapSource is a source of fixed groups, each a host list.
type mapSource struct {
	name   string
	groups map[string]string
}

// Static returns a source named name of fixed groups: each name maps to
// its hosts, which may be host ranges and other groups. For "*" it gives
// the group "all" if there is one, else every group.
func Static(name string, groups map[string][]string) Source {
	s := &mapSource{name: name, groups: map[string]string{}}
	for g, hosts := range groups {
		s.groups[g] = strings.Join(hosts, ",")
	}
	return s
}

func (s *mapSource) Name() string { return s.name }

func (s *mapSource) Groups(context.Context) ([]string, error) {
	return slices.Sorted(maps.Keys(s.groups)), nil
}

func (s *mapSource) Members(_ context.Context, group string) (string, bool, error) {
	if group == "*" {
		if all, ok := s.groups["all"]; ok {
			return all, true, nil
		}
		var refs []string
		for _, g := range slices.Sorted(maps.Keys(s.groups)) {
			refs = append(refs, "@"+s.name+":"+g)
		}
		return strings.Join(refs, ","), len(refs) > 0, nil
	}
	list, ok := s.groups[group]
	return list, ok, nil
}

// readYAMLSources reads one of ClusterShell's YAML group files (autodir):
// each top-level key is a source, mapping group names to host lists.
func readYAMLSources(path string) ([]*mapSource, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	top := documentMapping(&doc)
	if top == nil {
		return nil, nil
	}
	var out []*mapSource
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, body := top.Content[i], top.Content[i+1]
		groups, err := groupMapping(path, body)
		if err != nil {
			return nil, err
		}
		out = append(out, &mapSource{name: name.Value, groups: groups})
	}
	return out, nil
}

// loadGroupFiles reads group files, YAML mapping group names to host
// lists, into one source named "file"; the first file naming a group wins.
func loadGroupFiles(paths []string) (Source, error) {
	s := &mapSource{name: "file", groups: map[string]string{}}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, &FileError{Path: p, Err: err}
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, &FileError{Path: p, Err: err}
		}
		top := documentMapping(&doc)
		if top == nil {
			continue
		}
		groups, err := groupMapping(p, top)
		if err != nil {
			return nil, err
		}
		for g, list := range groups {
			if _, ok := s.groups[g]; !ok {
				s.groups[g] = list
			}
		}
	}
	return s, nil
}

// documentMapping returns the mapping a YAML document holds, nil for an
// empty document.
func documentMapping(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		return doc.Content[0]
	}
	return nil
}

// groupMapping reads a mapping of group names to host lists: each value a
// list as a string, or a sequence of them.
func groupMapping(path string, n *yaml.Node) (map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, &FileError{Path: path, Line: n.Line, Err: errors.New("want a mapping of group names to hosts")}
	}
	groups := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch v.Kind {
		case yaml.ScalarNode:
			groups[k.Value] = v.Value
		case yaml.SequenceNode:
			var items []string
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return nil, &FileError{Path: path, Line: it.Line, Err: fmt.Errorf("group %s: want host lists", k.Value)}
				}
				items = append(items, it.Value)
			}
			groups[k.Value] = strings.Join(items, ",")
		default:
			return nil, &FileError{Path: path, Line: v.Line, Err: fmt.Errorf("group %s: want a host list or a sequence of them", k.Value)}
		}
	}
	return groups, nil
}
