package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/hostlist"
	"github.com/gopssh/pssh/internal/hostspec"
)

// loadHosts builds the host list from -h files and -H lists (in that
// order), expands ranges, drops --exclude and "!" hosts, keeps those that
// match a -g glob, and checks each one's syntax.
func loadHosts(o *options) ([]string, error) {
	hosts, _, err := loadHostSites(o)
	return hosts, err
}

// loadHostSites is loadHosts, and the sites the hosts files give hosts
// ("site=NAME" on a line): by host entry, only for the hosts given one.
func loadHostSites(o *options) ([]string, map[string]string, error) {
	var hosts, excluded []string
	origin := map[string]string{} // where each host was first given
	sites := map[string]string{}  // the site of each host's first line
	// add expands one -h line or -H list, of the given site. Its "!" hosts
	// are excluded from the whole host list, not only from expr.
	add := func(where, expr, site string) error {
		include, exclude, err := o.parseHosts(expr)
		if err != nil {
			return usagef("%s: %v", where, err)
		}
		for _, h := range include {
			if _, ok := origin[h]; !ok {
				origin[h] = where
				if site != "" {
					sites[h] = site
				}
			}
		}
		hosts = append(hosts, include...)
		excluded = append(excluded, exclude...)
		return nil
	}
	for _, file := range o.hostFiles {
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, usagef("hosts file: %v", err)
		}
		sc := bufio.NewScanner(f)
		line := 0
		for sc.Scan() {
			line++
			text := sc.Text()
			if i := strings.IndexByte(text, '#'); i >= 0 {
				text = text[:i]
			}
			where := fmt.Sprintf("%s:%d", file, line)
			text, site, err := lineSite(text)
			if err == nil {
				err = add(where, text, site)
			} else {
				err = usagef("%s: %v", where, err)
			}
			if err != nil {
				f.Close()
				return nil, nil, err
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, nil, fmt.Errorf("reading hosts file %s: %w", file, err)
		}
	}
	for _, list := range o.hostLists {
		if err := add("-H "+list, list, ""); err != nil {
			return nil, nil, err
		}
	}
	if o.retryFailed {
		before := len(hosts)
		if err := add("--retry-failed", "@last:failed", ""); err != nil {
			return nil, nil, err
		}
		if len(hosts) == before {
			return nil, nil, usagef("--retry-failed: %v", errNoneFailed)
		}
	}
	for _, list := range o.excludes {
		include, exclude, err := o.parseHosts(list)
		if err != nil {
			return nil, nil, usagef("--exclude: %v", err)
		}
		excluded = append(excluded, hostlist.Exclude(include, exclude)...)
	}
	if o.allowDups {
		// Every entry as given, repeated ones too.
		drop := map[string]bool{}
		for _, h := range excludeSet(hosts, excluded) {
			drop[h] = true
		}
		hosts = slices.DeleteFunc(hosts, func(h string) bool { return drop[h] })
	} else {
		hosts = hostlist.Exclude(hosts, excludeSet(hosts, excluded))
	}
	if len(o.globs) > 0 {
		var kept []string
		for _, h := range hosts {
			if matchAny(o.globs, h) {
				kept = append(kept, h)
			}
		}
		hosts = kept
	}
	for _, h := range hosts {
		if _, err := hostspec.Parse(h); err != nil {
			return nil, nil, usagef("%s: %v", origin[h], err)
		}
	}
	for _, g := range o.globs {
		if _, err := path.Match(g, ""); err != nil {
			return nil, nil, usagef("-g %q: %v", g, err)
		}
	}
	return pickHosts(hosts, o.pick), sites, nil
}

// lineSite takes the "site=NAME" word out of a hosts-file line: the site
// whose workers run the line's hosts with --nats. It returns the rest of
// the line, a host list.
func lineSite(line string) (rest, site string, err error) {
	if !strings.Contains(line, "site=") {
		return line, "", nil
	}
	var kept []string
	for _, w := range strings.Fields(line) {
		name, ok := strings.CutPrefix(w, "site=")
		if !ok {
			kept = append(kept, w)
			continue
		}
		if site != "" {
			return "", "", fmt.Errorf("two sites on one line (site=%s, site=%s)", site, name)
		}
		if err := cluster.CheckSite(name); err != nil {
			return "", "", err
		}
		site = name
	}
	return strings.Join(kept, " "), site, nil
}

// excludeSet returns the hosts of list to exclude: those named exactly,
// and those whose name without user and port is named.
func excludeSet(hosts, excluded []string) []string {
	if len(excluded) == 0 {
		return nil
	}
	drop := map[string]bool{}
	for _, e := range excluded {
		drop[e] = true
	}
	var out []string
	for _, h := range hosts {
		if drop[h] || drop[hostName(h)] {
			out = append(out, h)
		}
	}
	return out
}

// matchAny reports whether h, or its name without user and port, matches
// one of the globs.
func matchAny(globs []string, h string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, h); ok {
			return true
		}
		if ok, _ := path.Match(g, hostName(h)); ok {
			return true
		}
	}
	return false
}

// hostName returns the host part of a [user@]host[:port] entry.
func hostName(entry string) string {
	spec, err := hostspec.Parse(entry)
	if err != nil {
		return entry
	}
	return spec.Host
}

// displayName returns how a host is shown and how its -o/-e files are
// named: the entry without its user, host[:port] as the classic pssh.
func displayName(entry string) string {
	if i := strings.LastIndexByte(entry, '@'); i >= 0 {
		return entry[i+1:]
	}
	return entry
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

var (
	errNoHosts    = errors.New("no hosts: give them with -h FILE or -H HOSTS")
	errNoneFailed = errors.New("no host failed in the last run")
)
