package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh/internal/netdelay"
	"github.com/gopssh/pssh/internal/opensshd"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Latency mode (-rtt): every tool reaches sshd through a delaying proxy
// (internal/netdelay), one in front of each of sshd's listen addresses,
// listening on 127.0.3.X with sshd's port, so that the generated
// ssh_config, hosts files and asyncssh host lists name the proxies
// instead of sshd. The proxies delay every byte by half the RTT in each
// direction; the RTT is changed between rounds of work.

// proxyNet is the first three octets of the proxies' addresses.
const proxyNet = "127.0.3."

// latency is the set of delaying proxies in front of sshd.
type latency struct {
	ips     []string // the proxies' IPs, as the fleet's addresses
	known   string   // a known_hosts file naming the proxies
	proxies []*netdelay.Proxy
}

// startLatency starts a proxy for each of srv's addresses and writes a
// known_hosts file for them in dir. The proxies start without delay.
func startLatency(srv *opensshd.Server, dir string) (*latency, error) {
	l := &latency{known: filepath.Join(dir, "known_hosts-proxies")}
	var known strings.Builder
	for i, target := range srv.Addrs {
		ip := proxyNet + strconv.Itoa(i+1)
		listen := net.JoinHostPort(ip, strconv.Itoa(srv.Port))
		p, err := netdelay.NewProxy(listen, target, netdelay.Link{})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("latency proxy for %s: %w", target, err)
		}
		l.proxies = append(l.proxies, p)
		l.ips = append(l.ips, ip)
		known.WriteString(knownhosts.Line([]string{listen}, srv.HostKey) + "\n")
	}
	if err := os.WriteFile(l.known, []byte(known.String()), 0o644); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// set makes every new connection take rtt per round trip.
func (l *latency) set(rtt time.Duration) {
	for _, p := range l.proxies {
		p.SetLink(netdelay.Link{Delay: rtt / 2})
	}
}

// accepted returns how many connections the proxies have accepted.
func (l *latency) accepted() int64 {
	var n int64
	for _, p := range l.proxies {
		n += p.Accepted()
	}
	return n
}

// Close stops the proxies.
func (l *latency) Close() {
	for _, p := range l.proxies {
		p.Close()
	}
}

// parseRTTs parses -rtt: "0,20ms,100ms", distinct, non-negative, in the
// order given; "" means none (no latency mode).
func parseRTTs(s string) ([]time.Duration, error) {
	return parseList(s, func(f string) (time.Duration, error) {
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a non-negative duration", f)
		}
		return d, nil
	})
}

// measureLatency measures each work at each of c's RTTs (in the order
// given, so that RTT 0 comes first when listed first), with measure, and
// after each writes the round-trip table followed by every table so far
// with write. It returns the sections written last.
func measureLatency(ctx context.Context, c *config, lat *latency, works []work, measure func(work) []row, write func([]string, []fanoutResult) error) ([]string, error) {
	var results []fanoutResult
	var tables, sections []string
	for _, rtt := range c.rtts {
		lat.set(rtt)
		for _, wk := range works {
			wk.rtt, wk.delayed = rtt, true
			before := lat.accepted()
			rows := measure(wk)
			log.Printf("%s: %d connections through the proxies", wk.title(), lat.accepted()-before)
			if len(rows) > 0 {
				results = append(results, fanoutResult{rtt: rtt, hosts: wk.hosts, rows: rows})
				tables = append(tables, table(wk, rows))
				sections = slices.Clone(tables)
				if rt := roundTripTable(results); rt != "" {
					sections = append([]string{rt}, tables...)
				}
				if err := write(sections, results); err != nil {
					return sections, err
				}
			}
			if ctx.Err() != nil {
				return sections, fmt.Errorf("interrupted; partial results written")
			}
		}
	}
	return sections, nil
}

// fanoutResult is one table of latency mode: the rows of one host count
// at one RTT.
type fanoutResult struct {
	rtt   time.Duration
	hosts int
	rows  []row
}

// roundTripTable renders, for each tool and host count, the round trips
// a run costs beyond its local cost: (median wall at the RTT − median
// wall without delay) ÷ RTT. It needs a run at RTT 0; "" without one.
func roundTripTable(results []fanoutResult) string {
	base := make(map[[2]any]summary) // {tool, hosts} at RTT 0
	var cols []fanoutResult
	var names, labels []string
	for _, r := range results {
		for _, rw := range r.rows {
			if !slices.Contains(names, rw.name) {
				names = append(names, rw.name)
				labels = append(labels, rw.label)
			}
			if r.rtt == 0 && rw.sum.ok > 0 {
				base[[2]any{rw.name, r.hosts}] = rw.sum
			}
		}
		if r.rtt > 0 {
			cols = append(cols, r)
		}
	}
	if len(base) == 0 || len(cols) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Round trips beyond the local cost\n\n")
	b.WriteString("(median wall at the RTT − median wall at RTT 0) ÷ RTT, for the whole run of N hosts at once.\n\n")
	b.WriteString("| tool |")
	for _, c := range cols {
		fmt.Fprintf(&b, " N=%d, %v |", c.hosts, c.rtt)
	}
	b.WriteString("\n|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteByte('\n')
	for i, name := range names {
		fmt.Fprintf(&b, "| %s |", labels[i])
		for _, c := range cols {
			s0, ok0 := base[[2]any{name, c.hosts}]
			var s summary
			ok := false
			for _, rw := range c.rows {
				if rw.name == name && rw.sum.ok > 0 {
					s, ok = rw.sum, true
				}
			}
			if !ok || !ok0 {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %.1f |", float64(s.wall-s0.wall)/float64(c.rtt))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
