// Command quickstart runs the library quickstart: a command on several hosts
// in parallel, with each host's output and exit code.
//
//	go run ./examples/quickstart                # against a throwaway local OpenSSH sshd
//	go run ./examples/quickstart web1 web2 ...   # against your hosts (agent, ~/.ssh/id_*, known_hosts)
//
// Without hosts it starts OpenSSH's sshd (Debian package openssh-server) on
// 127.0.0.1-3 with a temporary configuration and key, and stops it at the end.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/opensshd"
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

// localServers starts a throwaway OpenSSH sshd on three loopback addresses,
// or, where OpenSSH's server is not installed, three in-process sshtest
// servers, and returns a client config that trusts them.
func localServers() (hosts []string, cfg *pssh.Config, stop func(), err error) {
	if _, err := opensshd.SSHDPath(); err == nil {
		srv, err := opensshd.Start(opensshd.Options{Addrs: []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("starting a local sshd: %w", err)
		}
		fmt.Printf("started a local OpenSSH sshd on %v\n\n", srv.Addrs)
		return srv.Addrs, &pssh.Config{
			User:            srv.User,
			KeyFile:         srv.ClientKeyFile,
			NoAgent:         true,
			KnownHostsFiles: []string{srv.KnownHostsFile},
		}, func() { srv.Close() }, nil
	}
	key, err := sshtest.GenerateKey()
	if err != nil {
		return nil, nil, nil, err
	}
	fleet, err := sshtest.NewFleet(3, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Printf("OpenSSH's sshd is not installed (sudo apt-get install -y openssh-server);\n"+
		"started three in-process sshtest servers instead on %v\n\n", fleet.Addrs())
	return fleet.Addrs(), &pssh.Config{
		Key:             key.PEM,
		NoAgent:         true,
		HostKeyCallback: fleet.HostKeyCallback(),
	}, func() { fleet.Close() }, nil
}
