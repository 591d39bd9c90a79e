package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/gopssh/pssh/cluster"
)

// clusterUpOptions are the options of "pssh cluster up".
type clusterUpOptions struct {
	options          // the connection flags of its workers
	workers   int    // --workers
	dir       string // --dir; "" for a new temporary directory
	site      string // --site of its workers
	par       int    // -p of its workers
	submitKey string // --submit-key: the key its workers trust
	pssh      []string
}

// newCmdCluster returns "pssh cluster", whose subcommand "up" starts an
// embedded NATS server and local workers.
func newCmdCluster(ios *ioStreams, runF func(*clusterUpOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster up [flags] [-- PSSH-FLAGS COMMAND...]",
		Short: "start a local NATS server and workers, for pssh --nats",
		Args:  cobra.NoArgs,
	}
	o := &clusterUpOptions{}
	up := subcommand(&cobra.Command{
		Use:   "up [--workers K] [--dir DIR] [flags] [-- PSSH-FLAGS COMMAND...]",
		Short: "start a local NATS server with JetStream and K workers",
		Long: `Start an in-process NATS server with JetStream on 127.0.0.1, with a generated
nkey written to DIR, and K local workers, trusting your submitter key. DIR/env
holds PSSH_NATS, PSSH_NATS_CREDS and PSSH_TRUSTED_SUBMITTERS: after
"set -a; . DIR/env", "pssh" runs through the workers and "pssh worker" joins
them. Runs until interrupted; with "-- PSSH-FLAGS COMMAND..." runs pssh with
them through the cluster instead, and exits with its status.`,
		DisableFlagsInUseLine: true,
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.pssh = args
			if runF != nil {
				return runF(o)
			}
			return runClusterUp(o, ios)
		}),
	})
	fs := up.Flags()
	g := flagGroup{fs, clusterGroup}
	g.int(&o.workers, "workers", "", "K", 2, 0, "local workers to start (0: the server alone)")
	g.string(&o.dir, "dir", "", "DIR", "directory for the server's state, credentials and env file (default: a new temporary directory)")
	g.string(&o.site, "site", "", "NAME", `the site of the local workers (default "default")`)
	g.string(&o.submitKey, "submit-key", "", "FILE", "the submitter key the workers trust (default ~/.config/pssh/submitter_ed25519, made on first use)")
	flagGroup{fs, runningGroup}.int(&o.par, "par", "p", "N", cluster.DefaultWorkerPar, 1, "commands running at once per run, per worker")
	addConnectionFlags(fs, &o.options)
	cmd.AddCommand(up)
	return cmd
}

// runClusterUp runs "pssh cluster up".
func runClusterUp(o *clusterUpOptions, ios *ioStreams) error {
	d := o.dir
	var err error
	if d == "" {
		if d, err = os.MkdirTemp("", "pssh-cluster-"); err != nil {
			return err
		}
		defer os.RemoveAll(d)
	}
	keyFile, key, err := submitterKey(o.submitKey)
	if err != nil {
		return err
	}
	// The workers' SSH setup, made before anything starts.
	cfg, err := workerConfig(&o.options, ios)
	if err != nil {
		return err
	}
	local, err := cluster.StartLocal(d, 0, key.PublicKey())
	if err != nil {
		return err
	}
	defer local.Close()
	trusted, err := cluster.LoadTrusted(local.TrustedFile)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	workersCtx, stopWorkers := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var conns []*nats.Conn
	defer func() {
		stopWorkers()
		wg.Wait() // before the connections close: they report what they ran
		for _, nc := range conns {
			nc.Close()
		}
	}()
	nopt := natsOptions{url: local.URL, creds: local.CredsFile}
	for i := range o.workers {
		nc, err := nopt.connect("pssh cluster up worker")
		if err != nil {
			return err
		}
		conns = append(conns, nc)
		wo := &workerOptions{site: o.site, par: o.par, name: fmt.Sprintf("local-%d", i+1)}
		wg.Go(func() {
			if err := serveWorker(workersCtx, wo, cfg, trusted, nc, ios); err != nil {
				fmt.Fprintf(ios.ErrOut, "pssh worker %s: %v\n", wo.name, err)
			}
		})
	}

	if len(o.pssh) > 0 {
		fmt.Fprintf(ios.ErrOut, "pssh cluster: NATS on %s, %d workers, files in %s\n", local.URL, o.workers, d)
		own := []string{"--nats", local.URL, "--creds", local.CredsFile, "--submit-key", keyFile}
		return exitCode(runWith(ios, append(own, o.pssh...)))
	}
	stdout := ios.Out
	fmt.Fprintf(stdout, "pssh cluster: NATS with JetStream on %s (loopback only), %d workers, files in %s\n", local.URL, o.workers, d)
	fmt.Fprintf(stdout, "Run, for example:\n  set -a; . %s; set +a\n  pssh -H HOSTS -i uptime\n", filepath.Join(d, "env"))
	fmt.Fprintf(stdout, "and start more workers with: pssh worker --site NAME\n")
	fmt.Fprintln(stdout, "Stop the cluster with Ctrl-C.")
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	fmt.Fprintln(stdout, "pssh cluster: stopping")
	return nil
}
