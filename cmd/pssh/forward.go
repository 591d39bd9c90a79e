package main

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
)

// forwardOptions are the options of "pssh forward [flags] -L|-R|-D SPEC
// ...".
type forwardOptions struct {
	options
	forwards []string // -L, -R, -D specs, each after its letter
}

// addForwardFlags defines -L, -R and -D.
func addForwardFlags(fs *pflag.FlagSet, o *forwardOptions) {
	g := flagGroup{fs, forwardingGroup}
	for _, f := range []struct{ short, name, arg, usage string }{
		{"L", "local-forward", "[BIND:]PORT:HOST:HOSTPORT", "listen on BIND:PORT here and connect through the host to HOST:HOSTPORT (ssh -L; repeatable)"},
		{"R", "remote-forward", "[BIND:]PORT:HOST:HOSTPORT", "listen on BIND:PORT on the host and connect from here to HOST:HOSTPORT (ssh -R; repeatable)"},
		{"D", "dynamic-forward", "[BIND:]PORT", "a SOCKS5 proxy on BIND:PORT here, connecting through the host (ssh -D; repeatable)"},
	} {
		g.value(&forwardValue{&o.forwards, f.short}, f.name, f.short, f.arg, f.usage)
	}
}

// forwardValue is -L, -R or -D: each use adds the spec after its letter.
type forwardValue struct {
	dst  *[]string
	kind string // L, R or D
}

func (v *forwardValue) Set(s string) error {
	*v.dst = append(*v.dst, v.kind+s)
	return nil
}

func (v *forwardValue) String() string { return "" }
func (v *forwardValue) Type() string   { return "spec" }

// GetSlice makes the flag repeatable for completion.
func (v *forwardValue) GetSlice() []string {
	var specs []string
	for _, f := range *v.dst {
		if f[:1] == v.kind {
			specs = append(specs, f[1:])
		}
	}
	return specs
}

// newCmdForward returns "pssh forward", port forwarding through one host.
// It runs runF, if given, instead: for tests.
func newCmdForward(ios *ioStreams, runF func(*forwardOptions) error) *cobra.Command {
	o := &forwardOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "forward [flags] -L|-R [BIND:]PORT:HOST:HOSTPORT | -D [BIND:]PORT ...",
		Short: "forward ports through one host as ssh -L, -R, -D (SOCKS5), until Ctrl-C",
		Long: `Forward ports through one host, as ssh -L, -R and -D (a SOCKS5 proxy), over
one connection, until Ctrl-C. Listeners bind to loopback (127.0.0.1) unless
BIND says otherwise; PORT 0 picks a free port, and pssh prints the
addresses it listens on. IPv6 addresses go in brackets: [::1]:8080.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 || len(o.forwards) == 0 {
				return usagef("forward: usage: pssh forward [flags] -L [BIND:]PORT:HOST:HOSTPORT | -R [BIND:]PORT:HOST:HOSTPORT | -D [BIND:]PORT ...")
			}
			return nil
		},
		DisableFlagsInUseLine: true,
		RunE: runE(func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(o)
			}
			return runForward(o, ios)
		}),
	})
	addHostFlags(cmd.Flags(), &o.options)
	addConnectionFlags(cmd.Flags(), &o.options)
	addForwardFlags(cmd.Flags(), o)
	registerCompletions(cmd)
	return cmd
}

// runForward forwards the ports of o through its one host until
// interrupted.
func runForward(o *forwardOptions, ios *ioStreams) error {
	type spec struct{ kind, listen, target string }
	var specs []spec
	s, err := connect(&o.options, startup{
		ios:       ios,
		canPrompt: ios.stdinTTY,
		checkHosts: func(hosts []string) error {
			if len(hosts) != 1 {
				return usagef("forward: give exactly one host to forward through (got %d)", len(hosts))
			}
			for _, f := range o.forwards {
				listen, target, err := parseForward(f[0], f[1:])
				if err != nil {
					return err
				}
				specs = append(specs, spec{f[:1], listen, target})
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	defer s.close()
	host, stdout := s.hosts[0], s.ios.Out

	ended := make(chan *pssh.Forward, len(specs))
	for _, sp := range specs {
		var f *pssh.Forward
		switch sp.kind {
		case "L":
			f, err = s.client.ForwardLocal(s.ctx, 0, sp.listen, sp.target, nil)
		case "R":
			f, err = s.client.ForwardRemote(s.ctx, 0, sp.listen, sp.target, nil)
		default:
			f, err = s.client.Socks(s.ctx, 0, sp.listen, nil)
		}
		if err != nil {
			return hostFailure(ios.ErrOut, err)
		}
		defer f.Close()
		go func() { <-f.Done(); ended <- f }()
		switch sp.kind {
		case "L":
			fmt.Fprintf(stdout, "forwarding %s -> %s -> %s\n", f.Addr(), host, sp.target)
		case "R":
			fmt.Fprintf(stdout, "forwarding %s:%s -> %s\n", host, f.Addr(), sp.target)
		default:
			fmt.Fprintf(stdout, "SOCKS5 proxy on %s through %s\n", f.Addr(), host)
		}
	}
	fmt.Fprintln(stdout, "ready; Ctrl-C stops")
	select {
	case <-s.ctx.Done():
		return nil
	case f := <-ended:
		if s.ctx.Err() != nil {
			return nil
		}
		return hostFailure(ios.ErrOut, f.Err())
	}
}

// hostFailure reports a forwarding failure: exit 4, as a host that could
// not be reached.
func hostFailure(stderr io.Writer, err error) error {
	fmt.Fprintf(stderr, "pssh: %s\n", shown(fullError(err)))
	return exitError(exitConnect)
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
