package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
)

// workerOptions are the options of "pssh worker".
type workerOptions struct {
	options // the connection flags: this machine's SSH setup
	natsOptions
	site    string // --site
	trusted string // --trusted-submitters, $PSSH_TRUSTED_SUBMITTERS
	par     int    // -p
	name    string // --name
}

// newCmdWorker returns "pssh worker", which serves a site's runs from
// NATS until SIGTERM or Ctrl-C.
func newCmdWorker(ios *ioStreams, runF func(*workerOptions) error) *cobra.Command {
	o := &workerOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "worker --nats URL[,URL...] [--site NAME] [flags]",
		Short: "run the commands submitted with --nats for a site's hosts",
		Long: `Serve a site: take the runs submitted with "pssh --nats" for the hosts of
site NAME from NATS JetStream, run them with this machine's own SSH setup
(agent, keys, ~/.ssh/config, known_hosts: no credential travels over NATS),
and stream each host's output back. Only runs signed by a key of the
trusted-submitters file are run; any other is refused and reported.
SIGTERM or Ctrl-C stops taking runs; those running may finish for 30s,
then are interrupted, and reported either way.`,
		Args:                  cobra.NoArgs,
		DisableFlagsInUseLine: true,
		RunE: runE(func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(o)
			}
			return runWorker(o, ios)
		}),
	})
	fs := cmd.Flags()
	g := flagGroup{fs, clusterGroup}
	addNATSFlags(g, &o.natsOptions)
	g.string(&o.site, "site", "", "NAME", `the site served (default "default")`)
	g.string(&o.trusted, "trusted-submitters", "", "FILE", "the submitters' public keys, one a line as in authorized_keys (default $"+cluster.EnvTrusted+")")
	g.string(&o.name, "name", "", "NAME", "the worker's name in reports (default HOSTNAME-RANDOM)")
	flagGroup{fs, runningGroup}.int(&o.par, "par", "p", "N", cluster.DefaultWorkerPar, 1, "commands running at once for each run")
	addConnectionFlags(fs, &o.options)
	return cmd
}

// runWorker serves until SIGTERM or Ctrl-C.
func runWorker(o *workerOptions, ios *ioStreams) error {
	if o.urls() == "" {
		return usagef("give --nats URL (or $%s)", cluster.EnvNATS)
	}
	trustedFile := cmp.Or(o.trusted, os.Getenv(cluster.EnvTrusted))
	if trustedFile == "" {
		return usagef("give --trusted-submitters FILE (or $%s): a worker runs only what its trusted submitters signed", cluster.EnvTrusted)
	}
	trusted, err := cluster.LoadTrusted(trustedFile)
	if err != nil {
		return err
	}
	cfg, err := workerConfig(&o.options, ios)
	if err != nil {
		return err
	}
	nc, err := o.connect("pssh worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveWorker(ctx, o, cfg, trusted, nc, ios)
}

// serveWorker runs one worker until ctx ends, reporting on ios.
func serveWorker(ctx context.Context, o *workerOptions, cfg *pssh.Config, trusted *cluster.Trusted, nc *nats.Conn, ios *ioStreams) error {
	w := &cluster.Worker{
		Conn: nc, Site: cmp.Or(o.site, cluster.DefaultSite), Name: o.name, Config: cfg, Trusted: trusted, Par: o.par,
		Log: func(format string, args ...any) {
			fmt.Fprintf(ios.ErrOut, "pssh worker: %s\n", shown(fmt.Sprintf(format, args...)))
		},
	}
	if trusted.Len() == 0 {
		fmt.Fprintf(ios.ErrOut, "pssh worker: warning: no trusted submitters: every run will be refused\n")
	}
	return w.Serve(ctx)
}

// workerConfig is a worker's own SSH setup, from its flags, made before
// anything starts.
func workerConfig(o *options, ios *ioStreams) (*pssh.Config, error) {
	cfg, err := setup(o, ios.ErrOut)
	if err != nil {
		return nil, err
	}
	if err := loadSecrets(o, cfg, false); err != nil {
		return nil, err
	}
	return cfg, nil
}
