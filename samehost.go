package pssh

import (
	"strconv"
	"strings"
)

// Hosts that are the same host: entries of the host list that resolve to
// the same user, address and route are one host when
// Config.MergeSameHosts is set; every host gets a label that tells it
// apart from the client's other hosts.

// MergedHost is an entry of the host list that New merged into an earlier
// one because both resolve to the same host (see Config.MergeSameHosts).
type MergedHost struct {
	Entry  string // the entry as given
	Index  int    // its position in the host list as given (host ranges expanded)
	SameAs string // the entry kept, as given
	Target string // what both resolve to: user@host:port
}

// MergedHosts returns the entries New merged into an earlier entry, in
// host-list order; none unless Config.MergeSameHosts is set.
func (c *Client) MergedHosts() []MergedHost {
	return append([]MergedHost(nil), c.merged...)
}

// HostLabels returns the label of each host of the client, by index (as
// HostOutput.Label): distinct, and as short as that allows.
func (c *Client) HostLabels() []string {
	out := make([]string, len(c.hosts))
	for i, h := range c.hosts {
		out[i] = h.label
	}
	return out
}

// destination is what makes two hosts the same host: the user, the
// address dialed, and the route to it.
func (h *host) destination() string {
	var b strings.Builder
	b.WriteString(h.user + "@" + h.addr)
	for _, hop := range h.hops {
		b.WriteString(" via " + hop.name)
	}
	if h.proxyCommand != "" {
		b.WriteString(" proxy " + h.proxyCommand)
	}
	return b.String()
}

// mergeSameHosts keeps the first of the hosts with the same destination,
// recording the others in c.merged, and renumbers the hosts kept.
func (c *Client) mergeSameHosts(hosts []*host) []*host {
	first := map[string]*host{}
	var kept []*host
	for i, h := range hosts {
		d := h.destination()
		if k, ok := first[d]; ok {
			c.merged = append(c.merged, MergedHost{Entry: h.name, Index: i, SameAs: k.name, Target: h.user + "@" + h.addr})
			continue
		}
		first[d] = h
		h.index = len(kept)
		kept = append(kept, h)
	}
	return kept
}

// setLabels gives each host its label (see Labels).
func setLabels(hosts []*host) {
	names, users := make([]string, len(hosts)), make([]string, len(hosts))
	for i, h := range hosts {
		names[i], users[i] = h.name, h.user
	}
	for i, l := range labels(names, users) {
		hosts[i].label = l
	}
}

// Labels returns the label of each host-list entry, as Client.HostLabels
// does for a client's hosts, for hosts resolved elsewhere (package
// cluster's workers): users[i] is the login of entries[i] (an entry's own
// user@ is taken when users is shorter or users[i] is "", and an entry
// whose login is not known is labelled without one). The label is the entry without
// its user (host[:port], as the classic pssh shows hosts); user@host[:port]
// where entries sharing that name log in as different users; and "#2",
// "#3", ... after the second, third, ... of entries whose labels are still
// the same (web1 and root@web1 as root, or web1 twice).
func Labels(entries, users []string) []string {
	u := make([]string, len(entries))
	for i, e := range entries {
		if i < len(users) && users[i] != "" {
			u[i] = users[i]
		} else if at := strings.LastIndexByte(e, '@'); at >= 0 {
			u[i] = e[:at]
		}
	}
	return labels(entries, u)
}

func labels(names, users []string) []string {
	out := make([]string, len(names))
	byName := map[string][]int{}
	for i, n := range names {
		out[i] = withoutUser(n)
		byName[out[i]] = append(byName[out[i]], i)
	}
	for _, same := range byName {
		distinct := map[string]bool{}
		for _, i := range same {
			distinct[users[i]] = true
		}
		if len(distinct) > 1 {
			for _, i := range same {
				if users[i] != "" { // "": not known here (Labels)
					out[i] = users[i] + "@" + out[i]
				}
			}
		}
	}
	seen := map[string]int{}
	for i := range out {
		seen[out[i]]++
		if n := seen[out[i]]; n > 1 {
			out[i] += "#" + strconv.Itoa(n)
		}
	}
	return out
}

// withoutUser is a host-list entry without its user@.
func withoutUser(entry string) string {
	if i := strings.LastIndexByte(entry, '@'); i >= 0 {
		return entry[i+1:]
	}
	return entry
}
