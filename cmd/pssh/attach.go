package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gopssh/pssh/cluster"
)

// attachOptions are the options of "pssh attach ID".
type attachOptions struct {
	runOptions        // the views, output files and NATS flags
	id         string // the run's id, as --detach printed it
}

// newCmdAttach returns "pssh attach", which follows a run submitted with
// --nats (--detach) from another process.
func newCmdAttach(ios *ioStreams, runF func(*attachOptions) error) *cobra.Command {
	o := &attachOptions{}
	cmd := subcommand(&cobra.Command{
		Use:   "attach ID [flags]",
		Short: "follow a run handed to workers (pssh --nats --detach), from its start",
		Long: `Attach to run ID, submitted with "pssh --nats ... --detach" (or by a pssh
that has gone): show what its hosts did so far, then follow it live, with
the views and output files asked for here (-i, -P, -b, --json, -o, -e...),
and exit with the status the run would have had. The NATS servers keep a
run's events for 24 hours. Ctrl-C cancels the run, as in a direct run.`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(_ *cobra.Command, args []string) error {
			o.id = args[0]
			if runF != nil {
				return runF(o)
			}
			return runAttach(o, ios)
		}),
	})
	fs := cmd.Flags()
	fs.SetInterspersed(true) // pssh attach ID -i, as pssh attach -i ID
	addRunOutputFlags(fs, &o.runOptions)
	addNATSFlags(flagGroup{fs, clusterGroup}, &o.natsOptions)
	return cmd
}

// runAttach runs "pssh attach ID".
func runAttach(o *attachOptions, ios *ioStreams) error {
	if o.urls() == "" {
		return usagef("give --nats URL (or $%s)", cluster.EnvNATS)
	}
	if o.gatherAll {
		o.gather = true // -B is -b, stderr and all
	}
	if err := makeOutputDirs(o.outDir, o.errDir); err != nil {
		return err
	}
	nc, err := o.connect("pssh attach")
	if err != nil {
		return err
	}
	defer nc.Close()
	return followRun(&o.runOptions, ios, func(ctx context.Context, _ *rolloutTracker) (*cluster.Run, error) {
		return (&cluster.Submitter{Conn: nc}).Attach(ctx, o.id)
	})
}
