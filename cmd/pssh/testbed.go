package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// testbedOptions are the options of "pssh testbed [-n N] [--dir DIR]
// [-- PSSH-FLAGS COMMAND...]".
type testbedOptions struct {
	n    int      // -n: servers
	dir  string   // --dir; "" for a new temporary directory
	pssh []string // the pssh command line to run against the servers
}

// newCmdTestbed returns "pssh testbed", which starts n in-process SSH
// servers on loopback addresses, writes what a client needs to reach them
// into a directory, prints how to use them and runs until interrupted.
// With arguments after its own flags ("pssh testbed -n 20 -- -b uptime"),
// it instead runs pssh with them against the testbed, stops, and exits
// with pssh's status. It runs runF, if given, instead: for tests.
func newCmdTestbed(ios *ioStreams, runF func(*testbedOptions) error) *cobra.Command {
	o := &testbedOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "testbed [-n N] [--dir DIR] [-- PSSH-FLAGS COMMAND...]",
		Short: "start N local test SSH servers on 127.0.0.x, and run pssh against them",
		Long: `Start N local test SSH servers on 127.0.0.1, 127.0.0.2, ... (loopback only;
commands run locally as you), write a client key, a known_hosts file and a
hosts file into a directory, print how to run pssh against them, and run
until interrupted. With "-- PSSH-FLAGS COMMAND..." run pssh with them
against the servers instead, and exit with its status.`,
		DisableFlagsInUseLine: true,
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.pssh = args
			if runF != nil {
				return runF(o)
			}
			return runTestbed(o, ios)
		}),
	})
	g := flagGroup{cmd.Flags(), testbedGroup}
	g.int(&o.n, "n", "n", "N", 20, 1, "number of servers, each on its own 127.0.0.x address, all on one port")
	g.string(&o.dir, "dir", "", "DIR", "directory for the key, known_hosts and hosts files (default: a new temporary directory)")
	return cmd
}

// testbedArgs spells testbed's -dir as --dir: its flags were Go's flag
// package's, which takes a long flag after one dash too.
func testbedArgs(args []string) []string {
	args = append([]string{}, args...)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || !strings.HasPrefix(a, "-"):
			return args // the flags end here
		case a == "-dir" || strings.HasPrefix(a, "-dir="):
			args[i] = "-" + a
		}
		if a == "-dir" || a == "--dir" || a == "-n" || a == "--n" {
			i++ // its value
		}
	}
	return args
}

// runTestbed runs the testbed of o.
func runTestbed(o *testbedOptions, ios *ioStreams) error {
	d := o.dir
	var err error
	if d == "" {
		d, err = os.MkdirTemp("", "pssh-testbed-")
	} else {
		err = os.MkdirAll(d, 0o700)
	}
	if err != nil {
		return err
	}
	if d, err = filepath.Abs(d); err != nil {
		return err
	}
	key, err := sshtest.GenerateKey()
	if err != nil {
		return err
	}
	fleet, err := startFleet(o.n, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		return err
	}
	defer fleet.Close()

	name := "user"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	var hosts strings.Builder
	for _, a := range fleet.Addrs() {
		fmt.Fprintf(&hosts, "%s@%s\n", name, a)
	}
	keyFile := filepath.Join(d, "id_ed25519")
	known := filepath.Join(d, "known_hosts")
	hostsFile := filepath.Join(d, "hosts")
	sshConfig := fmt.Sprintf("# ssh_config for the pssh testbed: ssh -F %s -p PORT 127.0.0.X\nHost 127.0.0.*\n\tUser %s\n\tIdentityFile %s\n\tUserKnownHostsFile %s\n\tStrictHostKeyChecking yes\n",
		filepath.Join(d, "ssh_config"), name, keyFile, known)
	env := fmt.Sprintf("# source this file: . %s\nexport PSSH_TESTBED=%s\nexport PSSH_TESTBED_FLAGS='-h %s --key %s -O UserKnownHostsFile=%s'\n",
		filepath.Join(d, "env"), d, hostsFile, keyFile, known)
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{keyFile, key.PEM, 0o600},
		{keyFile + ".pub", key.AuthorizedKey(), 0o644},
		{known, fleet.KnownHosts(), 0o644},
		{hostsFile, []byte(hosts.String()), 0o644},
		{filepath.Join(d, "ssh_config"), []byte(sshConfig), 0o644},
		{filepath.Join(d, "env"), []byte(env), 0o644},
	} {
		os.Remove(f.path) // a key left by an earlier testbed may be read-only
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(f.path, f.mode); err != nil {
			return err
		}
	}

	if len(o.pssh) > 0 {
		if o.dir == "" {
			defer os.RemoveAll(d)
		}
		fmt.Fprintf(ios.ErrOut, "pssh testbed: %d SSH servers on 127.0.0.x, files in %s\n", o.n, d)
		own := []string{"-h", hostsFile, "--key", keyFile, "-O", "UserKnownHostsFile=" + known}
		return exitCode(runWith(ios, append(own, o.pssh...)))
	}

	stdout := ios.Out
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "pssh testbed: %d SSH servers on 127.0.0.x, files in %s\n", o.n, d)
	fmt.Fprintf(stdout, "Run, for example:\n  pssh -h %s --key %s -O UserKnownHostsFile=%s -i uptime\n", hostsFile, keyFile, known)
	fmt.Fprintf(stdout, "or: . %s/env && pssh $PSSH_TESTBED_FLAGS -i uptime\n", d)
	fmt.Fprintf(stdout, "Commands run locally as %s. Stop the testbed with Ctrl-C.\n", name)
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	fmt.Fprintln(stdout, "pssh testbed: stopping")
	return nil
}

// startFleet starts n servers on 127.0.0.1, 127.0.0.2, ... (127.0.1.1 after
// 127.0.0.254), all on one port, so that the hosts fold into one range
// (127.0.0.[1-20]:PORT). It tries a few ports before giving up.
func startFleet(n int, cfg sshtest.Config) (*sshtest.Fleet, error) {
	hostKey, err := sshtest.GenerateKey()
	if err != nil {
		return nil, err
	}
	cfg.HostKey = hostKey.Signer
	var lastErr error
	for range 20 {
		first, err := sshtest.NewServerAt("127.0.0.1:0", cfg)
		if err != nil {
			return nil, err
		}
		fleet := &sshtest.Fleet{Servers: []*sshtest.Server{first}}
		port := strconv.Itoa(first.Port())
		for i := 1; i < n && err == nil; i++ {
			var srv *sshtest.Server
			addr := net.JoinHostPort(fmt.Sprintf("127.0.%d.%d", i/254, i%254+1), port)
			if srv, err = sshtest.NewServerAt(addr, cfg); err == nil {
				fleet.Servers = append(fleet.Servers, srv)
			}
		}
		if err == nil {
			return fleet, nil
		}
		lastErr = err
		fleet.Close() // the port is taken on some address: try another
	}
	return nil, fmt.Errorf("starting %d servers on one port: %w", n, lastErr)
}
