package sshconfig

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gopssh/pssh/internal/wildcard"
)

// Host and Match lines: which blocks apply to a host.

// criterion is one criterion of a Match line.
type criterion struct {
	name   string // lowercased: all, canonical, final, exec, host, ...
	negate bool
	arg    string
}

// parseCriteria checks a Match line as OpenSSH does.
func parseCriteria(args []string) ([]criterion, error) {
	if len(args) == 0 {
		return nil, errors.New("Match without criteria")
	}
	var cs []criterion
	for i := 0; i < len(args); i++ {
		a := args[i]
		var c criterion
		c.name, c.negate = a, false
		if rest, ok := strings.CutPrefix(a, "!"); ok {
			c.name, c.negate = rest, true
		}
		name, arg, hasArg := strings.Cut(c.name, "=")
		c.name = lower(name)
		switch c.name {
		case "all":
			if i+1 < len(args) || hasArg {
				return nil, errors.New("'all' cannot be combined with other Match attributes")
			}
		case "canonical", "final":
			if hasArg {
				return nil, fmt.Errorf("Match %s takes no argument", c.name)
			}
		case "exec", "host", "originalhost", "user", "localuser", "localnetwork", "tagged":
			if !hasArg {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("Missing Match criteria for %s", c.name)
				}
				i++
				arg = args[i]
			}
			c.arg = arg
			if c.name == "localnetwork" {
				if _, err := parseCIDRList(arg); err != nil {
					return nil, fmt.Errorf("Match localnetwork: %w", err)
				}
			}
		default:
			return nil, fmt.Errorf("Unsupported Match attribute %s", name)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// matchLine reports whether the criteria of a Match line hold for the
// host.
func (r *resolver) matchLine(f *file, l *line) (bool, error) {
	result := true
	for _, c := range l.crit {
		var ok bool
		switch c.name {
		case "all":
			ok = true
		case "canonical", "final":
			if c.name == "final" {
				r.wantFinal = true
			}
			ok = r.final
		case "exec":
			if !result {
				continue // as OpenSSH: not run once the line has failed
			}
			var err error
			if ok, err = r.exec(c.arg); err != nil {
				return false, err
			}
		case "host":
			ok = matchList(lower(r.matchHost()), lower(c.arg))
		case "originalhost":
			ok = matchList(lower(r.alias), lower(c.arg))
		case "user":
			ok = matchList(r.user(), c.arg)
		case "localuser":
			ok = matchList(r.c.opt.LocalUser, c.arg)
		case "tagged":
			ok = matchList(r.value("tag"), c.arg)
		case "localnetwork":
			var err error
			if ok, err = r.localNetwork(c.arg); err != nil {
				return false, err
			}
		}
		if ok == c.negate {
			result = false
		}
	}
	return result, nil
}

// matchHost is the host name "Match host" and %h see: in the final pass the
// host name as resolved; before, HostName as found so far (%h expanded) or
// the host as given.
func (r *resolver) matchHost() string {
	if r.final {
		return r.hostName
	}
	if v, ok := r.first["hostname"]; ok {
		return expandHostName(v.value, r.alias)
	}
	return r.alias
}

// localNetwork reports whether a local interface has an address in one of
// the networks of list.
func (r *resolver) localNetwork(list string) (bool, error) {
	nets, err := parseCIDRList(list)
	if err != nil {
		return false, err
	}
	addrs, err := r.c.opt.LocalAddrs()
	if err != nil {
		return false, fmt.Errorf("Match localnetwork: listing the local addresses: %w", err)
	}
	for _, a := range addrs {
		var ip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			ip = a.IP
		case *net.IPAddr:
			ip = a.IP
		}
		addr, ok := netip.AddrFromSlice(ip)
		if !ok {
			continue
		}
		addr = addr.Unmap()
		neg := false
		pos := false
		for _, n := range nets {
			if n.prefix.Contains(addr) {
				if n.negate {
					neg = true
				} else {
					pos = true
				}
			}
		}
		if pos && !neg {
			return true, nil
		}
	}
	return false, nil
}

type cidr struct {
	prefix netip.Prefix
	negate bool
}

// parseCIDRList parses a comma-separated list of addresses and networks,
// each perhaps negated with '!'.
func parseCIDRList(list string) ([]cidr, error) {
	var out []cidr
	for _, s := range strings.Split(list, ",") {
		var c cidr
		if rest, ok := strings.CutPrefix(s, "!"); ok {
			s, c.negate = rest, true
		}
		var err error
		if strings.Contains(s, "/") {
			c.prefix, err = netip.ParsePrefix(s)
			c.prefix = c.prefix.Masked()
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(s); err == nil {
				c.prefix = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("bad address or network %q", s)
		}
		out = append(out, c)
	}
	return out, nil
}

// matchHostLine reports whether the patterns of a Host line select host.
func matchHostLine(patterns []string, host string) bool {
	return matchPatterns(patterns, host)
}

// matchPatterns: a matching negated pattern rejects; otherwise one
// matching pattern accepts.
func matchPatterns(patterns []string, s string) bool {
	found := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if wildcard.Match(s, neg) {
				return false
			}
		} else if wildcard.Match(s, p) {
			found = true
		}
	}
	return found
}

// matchList matches s against a comma-separated pattern list, as OpenSSH's
// match_pattern_list.
func matchList(s, list string) bool {
	return matchPatterns(strings.Split(list, ","), s)
}
