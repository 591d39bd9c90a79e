package main

import (
	"bytes"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
)

// chartSVG draws latency mode's results as an SVG picture: the median wall
// time of a run against the number of hosts, a line per tool, a panel per
// RTT, all panels on one time scale so that they compare at a glance.
func chartSVG(results []fanoutResult) []byte {
	var rtts []time.Duration
	var ns []int
	var names, labels []string
	var top time.Duration
	for _, r := range results {
		if !slices.Contains(rtts, r.rtt) {
			rtts = append(rtts, r.rtt)
		}
		if !slices.Contains(ns, r.hosts) {
			ns = append(ns, r.hosts)
		}
		for _, rw := range r.rows {
			if !slices.Contains(names, rw.name) {
				names = append(names, rw.name)
				labels = append(labels, rw.label)
			}
			if rw.sum.ok > 0 {
				top = max(top, rw.sum.wall)
			}
		}
	}
	slices.Sort(rtts)
	slices.Sort(ns)
	const (
		panelW, panelH = 320, 220 // the plot area of a panel
		left, right    = 56, 16
		topM, bottom   = 64, 44
	)
	width := len(rtts)*(left+panelW+right) + 8
	height := topM + panelH + bottom + 18*((len(names)+2)/3)
	topS := niceCeil(top.Seconds())
	colours := []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="8" y="20" font-size="14">Wall time of one command on N hosts (median), by round-trip time</text>`+"\n")
	x := func(i int) float64 {
		if len(ns) == 1 {
			return panelW / 2
		}
		return float64(i) * panelW / float64(len(ns)-1)
	}
	y := func(s float64) float64 { return panelH - s/topS*panelH }
	for p, rtt := range rtts {
		ox, oy := p*(left+panelW+right)+left, topM
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", ox, oy)
		fmt.Fprintf(&b, `<text x="%d" y="-8" text-anchor="middle" font-size="13">RTT %v</text>`+"\n", panelW/2, rtt)
		fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", panelW, panelH)
		for t := 0; t <= 4; t++ {
			s := topS * float64(t) / 4
			fmt.Fprintf(&b, `<line x1="0" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", panelW, y(s), y(s))
			fmt.Fprintf(&b, `<text x="-6" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", y(s), formatSeconds(s))
		}
		for i, n := range ns {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">N=%d</text>`+"\n", x(i), panelH+16, n)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">hosts</text>`+"\n", panelW/2, panelH+34)
		for t, name := range names {
			var pts []string // "x,y"
			var dots [][2]float64
			for i, n := range ns {
				for _, r := range results {
					if r.rtt != rtt || r.hosts != n {
						continue
					}
					for _, rw := range r.rows {
						if rw.name == name && rw.sum.ok > 0 {
							px, py := x(i), y(rw.sum.wall.Seconds())
							pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
							dots = append(dots, [2]float64{px, py})
						}
					}
				}
			}
			c := colours[t%len(colours)]
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", c, strings.Join(pts, " "))
			}
			for _, d := range dots {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", d[0], d[1], c)
			}
		}
		b.WriteString("</g>\n")
	}
	for t, l := range labels {
		lx, ly := 8+(t%3)*260, topM+panelH+bottom+18*(t/3)+6
		c := colours[t%len(colours)]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d" dominant-baseline="middle">%s</text>`+"\n",
			lx, ly-2, c, lx+20, ly, html.EscapeString(l))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// niceCeil rounds s up to 1, 2 or 5 times a power of ten (at least 0.1 s),
// so that the axis' quarters are round numbers.
func niceCeil(s float64) float64 {
	step := 0.1
	for {
		for _, m := range []float64{1, 2, 5} {
			if s <= step*m {
				return step * m
			}
		}
		step *= 10
	}
}

// formatSeconds writes an axis value in seconds, as short as it reads.
func formatSeconds(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprintf("%d s", int64(s))
	}
	return fmt.Sprintf("%.2g s", s)
}
