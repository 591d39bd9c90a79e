package main

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/gopssh/pssh"
)

// runForward is "pssh forward [flags] -L|-R|-D SPEC ...": port forwarding
// through one host, as ssh -L, -R and -D, until interrupted.
func runForward(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args)
	if err != nil {
		return fail(stderr, err)
	}
	if len(o.command) > 0 || len(o.forwards) == 0 {
		return fail(stderr, usagef("forward: usage: pssh forward [flags] -L [BIND:]PORT:HOST:HOSTPORT | -R [BIND:]PORT:HOST:HOSTPORT | -D [BIND:]PORT ..."))
	}
	hosts, err := loadHosts(o)
	if err != nil {
		return fail(stderr, err)
	}
	if len(hosts) != 1 {
		return fail(stderr, usagef("forward: give exactly one host to forward through (got %d)", len(hosts)))
	}
	type spec struct{ kind, listen, target string }
	var specs []spec
	for _, f := range o.forwards {
		listen, target, err := parseForward(f[0], f[1:])
		if err != nil {
			return fail(stderr, err)
		}
		specs = append(specs, spec{f[:1], listen, target})
	}
	cfg, _, err := setup(o, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	client, err := openClient(o, hosts, cfg, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer client.Close()
	ctx, stop := interruptible()
	defer stop()

	ended := make(chan *pssh.Forward, len(specs))
	for _, s := range specs {
		var f *pssh.Forward
		switch s.kind {
		case "L":
			f, err = client.ForwardLocal(ctx, 0, s.listen, s.target, nil)
		case "R":
			f, err = client.ForwardRemote(ctx, 0, s.listen, s.target, nil)
		default:
			f, err = client.Socks(ctx, 0, s.listen, nil)
		}
		if err != nil {
			return hostFailure(stderr, err)
		}
		defer f.Close()
		go func() { <-f.Done(); ended <- f }()
		switch s.kind {
		case "L":
			fmt.Fprintf(stdout, "forwarding %s -> %s -> %s\n", f.Addr(), hosts[0], s.target)
		case "R":
			fmt.Fprintf(stdout, "forwarding %s:%s -> %s\n", hosts[0], f.Addr(), s.target)
		default:
			fmt.Fprintf(stdout, "SOCKS5 proxy on %s through %s\n", f.Addr(), hosts[0])
		}
	}
	fmt.Fprintln(stdout, "ready; Ctrl-C stops")
	select {
	case <-ctx.Done():
		return exitOK
	case f := <-ended:
		if ctx.Err() != nil {
			return exitOK
		}
		return hostFailure(stderr, f.Err())
	}
}

// hostFailure reports a forwarding failure: exit 4, as a host that could
// not be reached.
func hostFailure(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "pssh: %v\n", err)
	return exitConnect
}

// parseForward splits an ssh -L/-R spec, [BIND:]PORT:HOST:HOSTPORT, or a
// -D spec, [BIND:]PORT, into the address to listen on and the target.
// IPv6 addresses go in brackets.
func parseForward(kind byte, spec string) (listen, target string, err error) {
	parts, err := splitColons(spec)
	if err != nil {
		return "", "", usagef("-%c %q: %v", kind, spec, err)
	}
	bracket := func(h string) string {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	switch {
	case kind == 'D' && len(parts) == 1:
		return parts[0], "", nil
	case kind == 'D' && len(parts) == 2:
		return net.JoinHostPort(parts[0], parts[1]), "", nil
	case kind != 'D' && len(parts) == 3:
		return parts[0], bracket(parts[1]) + ":" + parts[2], nil
	case kind != 'D' && len(parts) == 4:
		return net.JoinHostPort(parts[0], parts[1]), bracket(parts[2]) + ":" + parts[3], nil
	}
	if kind == 'D' {
		return "", "", usagef("-D %q: want [BIND:]PORT", spec)
	}
	return "", "", usagef("-%c %q: want [BIND:]PORT:HOST:HOSTPORT", kind, spec)
}

// splitColons splits s at colons outside brackets, dropping the brackets.
func splitColons(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '[':
			if depth > 0 {
				return nil, fmt.Errorf("nested '['")
			}
			depth++
		case r == ']':
			if depth == 0 {
				return nil, fmt.Errorf("']' without '['")
			}
			depth--
		case r == ':' && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("'[' without ']'")
	}
	return append(parts, cur.String()), nil
}
