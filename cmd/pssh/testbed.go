package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

// runTestbed starts n in-process SSH servers on loopback addresses, writes
// what a client needs to reach them into a directory, prints how to use
// them and runs until interrupted. With arguments after its own flags
// ("pssh testbed -n 20 -- -b uptime"), it instead runs pssh with them
// against the testbed, stops, and exits with pssh's status.
func runTestbed(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pssh testbed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "number of servers (each on its own 127.0.0.x address and port)")
	dir := fs.String("dir", "", "directory for the key, known_hosts and hosts files (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *n < 1 {
		return fail(stderr, usagef("testbed: usage: pssh testbed [-n N] [-dir DIR] [-- PSSH-FLAGS COMMAND...] (N at least 1)"))
	}
	d := *dir
	var err error
	if d == "" {
		d, err = os.MkdirTemp("", "pssh-testbed-")
	} else {
		err = os.MkdirAll(d, 0o700)
	}
	if err != nil {
		return fail(stderr, err)
	}
	if d, err = filepath.Abs(d); err != nil {
		return fail(stderr, err)
	}
	key, err := sshtest.GenerateKey()
	if err != nil {
		return fail(stderr, err)
	}
	fleet, err := startFleet(*n, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		return fail(stderr, err)
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
			return fail(stderr, err)
		}
		if err := os.Chmod(f.path, f.mode); err != nil {
			return fail(stderr, err)
		}
	}

	if rest := fs.Args(); len(rest) > 0 {
		if *dir == "" {
			defer os.RemoveAll(d)
		}
		fmt.Fprintf(stderr, "pssh testbed: %d SSH servers on 127.0.0.x, files in %s\n", *n, d)
		own := []string{"-h", hostsFile, "--key", keyFile, "-O", "UserKnownHostsFile=" + known}
		return run(append(own, rest...), stdin, stdout, stderr)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "pssh testbed: %d SSH servers on 127.0.0.x, files in %s\n", *n, d)
	fmt.Fprintf(stdout, "Run, for example:\n  pssh -h %s --key %s -O UserKnownHostsFile=%s -i uptime\n", hostsFile, keyFile, known)
	fmt.Fprintf(stdout, "or: . %s/env && pssh $PSSH_TESTBED_FLAGS -i uptime\n", d)
	fmt.Fprintf(stdout, "Commands run locally as %s. Stop the testbed with Ctrl-C.\n", name)
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	fmt.Fprintln(stdout, "pssh testbed: stopping")
	return exitOK
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
