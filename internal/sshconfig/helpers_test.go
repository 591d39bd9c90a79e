package sshconfig

import (
	"context"
	"strings"
)

// mapResolver resolves names as glibc reads a hosts file: name (as asked,
// lowercased) -> canonical name (the first name of its line). It never
// touches the network.
type mapResolver map[string]string

func (m mapResolver) Lookup(_ context.Context, name string) (string, bool, error) {
	canon, ok := m[strings.ToLower(name)]
	return canon, ok, nil
}

// parseHosts reads a hosts file into a mapResolver.
func parseHosts(data string) mapResolver {
	m := mapResolver{}
	for line := range strings.Lines(data) {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		for _, name := range f[1:] {
			if _, dup := m[strings.ToLower(name)]; !dup {
				m[strings.ToLower(name)] = f[1]
			}
		}
	}
	return m
}
