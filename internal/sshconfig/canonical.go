package sshconfig

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Host name canonicalization (CanonicalizeHostname and its companions), as
// OpenSSH does it after the first pass:
//
//   - An address is never canonicalized; it is written in its usual form
//     (127.1 is 127.0.0.1), whatever CanonicalizeHostname says.
//   - With CanonicalizeHostname yes (for hosts reached directly, without
//     ProxyJump or ProxyCommand) or always: a name ending in '.' is looked
//     up as it is; a name with more dots than CanonicalizeMaxDots (default
//     1) is left alone; otherwise NAME.DOMAIN. is looked up for each of
//     CanonicalDomains in order ("none" stops the list), the first found
//     becoming the host name. When none is found, CanonicalizeFallbackLocal
//     no is an error for the host, yes (the default) keeps the name.
//   - A name found has its CNAME followed when a rule of
//     CanonicalizePermittedCNAMEs ("source_domains:target_domains")
//     allows it; when no domain gave a name and rules exist, the name is
//     looked up as it is (an error if it is not found and the host is
//     reached directly) and its CNAME followed the same way.

// canonicalize returns the host name after canonicalization.
func (r *resolver) canonicalize(host string) (string, error) {
	if _, isAddr := parseAddr(host); isAddr {
		return host, nil
	}
	mode := r.canonicalizeMode()
	direct := r.direct()
	if !direct && mode != "always" {
		return host, nil
	}
	ctx := context.Background()
	if mode != "no" {
		name, found, err := r.canonicalName(ctx, host)
		if err != nil || found {
			return name, err
		}
	}
	if len(r.cnameRules()) == 0 {
		return host, nil
	}
	// As OpenSSH: with CanonicalizePermittedCNAMEs, the name is looked up
	// as it is even when CanonicalizeHostname is no (only its CNAME is
	// not followed then).
	v := r.first["canonicalizepermittedcnames"]
	canon, ok, err := r.c.opt.Resolver.Lookup(ctx, host)
	if err != nil {
		return "", r.errorf(v, "looking up %s: %w", host, err)
	}
	if !ok {
		if direct {
			return "", r.errorf(v, "could not resolve hostname %s", host)
		}
		return host, nil
	}
	if mode == "no" {
		return host, nil
	}
	return r.followCNAME(host, strings.TrimSuffix(canon, ".")), nil
}

// canonicalName tries the canonical domains; found is false when no name
// was found (and the fallback allows it) or none was tried.
func (r *resolver) canonicalName(ctx context.Context, host string) (string, bool, error) {
	var tries []string
	if strings.HasSuffix(host, ".") {
		tries = []string{host}
	} else {
		maxDots := 1
		if v, ok := r.first["canonicalizemaxdots"]; ok {
			maxDots, _ = strconv.Atoi(v.value)
		}
		if strings.Count(host, ".") > maxDots {
			return host, false, nil
		}
		for _, d := range r.first["canonicaldomains"].args {
			if strings.EqualFold(d, "none") {
				break
			}
			tries = append(tries, host+"."+d+".")
		}
	}
	for _, full := range tries {
		canon, ok, err := r.c.opt.Resolver.Lookup(ctx, full)
		if err != nil {
			return "", false, r.errorf(r.first["canonicalizehostname"], "canonicalizing %s: %w", host, err)
		}
		if ok {
			name := strings.TrimSuffix(full, ".")
			return r.followCNAME(name, strings.TrimSuffix(canon, ".")), true, nil
		}
	}
	if v := r.first["canonicalizefallbacklocal"]; lower(v.value) == "no" || lower(v.value) == "false" {
		return "", false, r.errorf(v, "could not resolve host %q in CanonicalDomains (CanonicalizeFallbackLocal no)", host)
	}
	return host, false, nil
}

// cnameRule is one rule of CanonicalizePermittedCNAMEs.
type cnameRule struct{ source, target string }

func (r *resolver) cnameRules() []cnameRule {
	var rules []cnameRule
	for _, a := range r.first["canonicalizepermittedcnames"].args {
		if strings.EqualFold(a, "none") {
			return nil
		}
		src, tgt, _ := strings.Cut(a, ":")
		rules = append(rules, cnameRule{lower(src), lower(tgt)})
	}
	return rules
}

// followCNAME returns cname instead of name when a rule allows it.
func (r *resolver) followCNAME(name, cname string) string {
	if cname == "" || name == cname {
		return name
	}
	for _, rule := range r.cnameRules() {
		if matchList(lower(name), rule.source) && matchList(lower(cname), rule.target) {
			return lower(cname)
		}
	}
	return name
}

// parseAddr reports whether s is an IP address as getaddrinfo's
// AI_NUMERICHOST reads it (IPv4 in inet_aton's forms: 127.1, 0x7f.1,
// 0177.0.0.1), and returns it in its usual form.
func parseAddr(s string) (string, bool) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return "", false
		}
		return a.String(), true
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return "", false
	}
	var nums []uint64
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32)
		if err != nil || p == "" || strings.HasPrefix(p, "+") {
			return "", false
		}
		// strconv reads "0o17" and "0b1", inet_aton does not.
		if len(p) > 1 && p[0] == '0' && (p[1] == 'o' || p[1] == 'O' || p[1] == 'b' || p[1] == 'B' || p[1] == '_') || strings.Contains(p, "_") {
			return "", false
		}
		nums = append(nums, n)
	}
	var v uint64
	last := len(nums) - 1
	for i, n := range nums[:last] {
		if n > 255 {
			return "", false
		}
		v |= n << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return "", false
	}
	v |= nums[last]
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).String(), true
}

// systemResolver looks names up with the system's resolver.
type systemResolver struct{}

func (systemResolver) Lookup(ctx context.Context, name string) (string, bool, error) {
	if _, err := net.DefaultResolver.LookupHost(ctx, name); err != nil {
		return "", false, nil // as OpenSSH: any failure is "not found"
	}
	canon, err := net.DefaultResolver.LookupCNAME(ctx, name)
	if err != nil || canon == "" {
		canon = name
	}
	return strings.TrimSuffix(canon, "."), true, nil
}
