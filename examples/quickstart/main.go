// Command quickstart runs the library quickstart: a command on several hosts
// in parallel, with each host's output and exit code.
//
//	go run ./examples/quickstart                # against three throwaway local SSH servers
//	go run ./examples/quickstart web1 web2 ...   # against your hosts (agent, ~/.ssh/id_*, known_hosts)
//
// Without hosts it starts three in-process SSH servers (package sshtest) on
// 127.0.0.1-3, which run the commands on this machine as you, and stops them
// at the end. It needs only the module's public packages, so it builds as
// well when copied out of the module.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(hosts []string) error {
	cfg := &pssh.Config{}
	if len(hosts) == 0 {
		var stop func()
		var err error
		hosts, cfg, stop, err = localServers()
		if err != nil {
			return err
		}
		defer stop()
	}

	client, err := pssh.New(hosts, cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Run a command on all hosts in parallel; output streams as it comes.
	outputs, err := client.Run(ctx, `echo "$(whoami) on $(hostname)"; echo "a warning" >&2; exit 3`,
		&pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		return err
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Printf("[%s] stdout: %s\n", out.Host, line)
		}
		for line := range out.Stderr.Lines() {
			fmt.Printf("[%s] stderr: %s\n", out.Host, line)
		}
	}

	// Every host appears, with its exit code or its error.
	fmt.Println()
	for _, out := range outputs {
		code, ok := out.ExitCode()
		switch {
		case out.Err() != nil:
			fmt.Printf("%s: error: %v\n", out.Host, out.Err())
		case ok:
			fmt.Printf("%s: exit code %d\n", out.Host, code)
		default:
			fmt.Printf("%s: killed by signal %s\n", out.Host, out.ExitSignal())
		}
	}

	// Stdin, and the last output.
	outputs, err = client.Run(ctx, "read name; echo hello $name", nil)
	if err != nil {
		return err
	}
	for _, out := range outputs {
		fmt.Fprintln(out.Stdin, "world")
		out.Stdin.Close()
	}
	if err := client.Join(ctx, outputs, nil); err != nil {
		return err
	}
	fmt.Println()
	for _, out := range client.LastOutput() {
		for line := range out.Stdout.Lines() {
			fmt.Printf("[%s] %s\n", out.Host, line)
		}
	}
	return nil
}

// localServers starts three in-process sshtest servers on 127.0.0.1-3 and
// returns their addresses, a client config that logs in to them and trusts
// them (and nothing else), and a function that stops them.
func localServers() (hosts []string, cfg *pssh.Config, stop func(), err error) {
	fleet, err := sshtest.NewFleet(3, sshtest.Config{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("starting local SSH servers: %w", err)
	}
	fmt.Printf("started three in-process sshtest servers on %v\n\n", fleet.Addrs())
	return fleet.Addrs(), fleet.ClientConfig(), func() { fleet.Close() }, nil
}
