package main

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/cluster"
)

// submitOptions are a run's flags for running through workers.
type submitOptions struct {
	natsOptions
	site      string // --site
	submitKey string // --submit-key
	detach    bool   // --detach
}

// addSubmitFlags defines them.
func addSubmitFlags(fs flagGroup, o *submitOptions) {
	addNATSFlags(fs, &o.natsOptions)
	fs.string(&o.site, "site", "", "NAME", `with --nats: the site of the hosts given none by a hosts-file site= or an inventory, whose workers run them (default "default")`)
	fs.switchFlag(&o.detach, "detach", "", "with --nats: print the run's id and leave it to the workers; follow it with pssh attach ID")
	fs.string(&o.submitKey, "submit-key", "", "FILE", "with --nats: the ed25519 key runs are signed with (default ~/.config/pssh/submitter_ed25519, made on first use)")
}

// localOnly refuses, with --nats, the options a worker's own SSH setup
// decides: credentials never travel, and the rest is the worker's.
func (o *options) localOnly() error {
	for _, f := range []struct {
		set  bool
		flag string
	}{
		{o.askPass, "-A"}, {o.passwordFile != "", "--password-file"}, {o.key != "", "--key"},
		{o.forwardAgent, "--forward-agent"}, {len(o.sshOptions) > 0, "-O"}, {len(o.extraArgs) > 0, "-x"},
		{len(o.extraArg) > 0, "-X"}, {o.knownHosts != "", "--known-hosts"}, {o.jump != "", "-J"},
		{o.configFile != "", "-F"},
	} {
		if f.set {
			return usagef("%s with --nats: the workers use their own SSH setup and credentials (give it to pssh worker)", f.flag)
		}
	}
	return nil
}

// submitCommand runs command on the hosts of o through the workers on
// NATS, and reports as a direct run does.
func submitCommand(o *runOptions, command string, ios *ioStreams) error {
	if err := o.localOnly(); err != nil {
		return err
	}
	if o.rollout.rolling() && o.detach {
		return usagef("--detach with --batch, --canary, --max-fail or --pause: a rollout's batches are handed out by the pssh that submits it, which must stay")
	}
	hosts, sites, err := loadHostSites(&o.options)
	if err != nil {
		return err
	}
	if err := needHosts(hosts); err != nil {
		return err
	}
	site := cmp.Or(o.site, cluster.DefaultSite)
	if err := cluster.CheckSite(site); err != nil {
		return usagef("--site: %v", err)
	}
	jobHosts, err := o.hostSites(hosts, sites, site)
	if err != nil {
		return err
	}
	if err := makeOutputDirs(o.outDir, o.errDir); err != nil {
		return err
	}
	var input []byte
	if o.sendInput {
		if input, err = io.ReadAll(ios.In); err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
	}
	_, key, err := submitterKey(o.submitKey)
	if err != nil {
		return err
	}
	nc, err := o.connect("pssh")
	if err != nil {
		return err
	}
	defer nc.Close()

	job := &cluster.Job{
		Command: command,
		Options: pssh.RunOptions{HostTimeout: o.timeout, Sudo: o.sudo, UsePTY: o.pty, Env: o.env},
		User:    o.user,
		Port:    o.port,
		Input:   input,
		Hosts:   jobHosts,
	}
	if o.detach {
		// The run goes on without us: nothing cancels it.
		run, err := (&cluster.Submitter{Conn: nc, Key: key}).Submit(context.Background(), job)
		if err != nil {
			return err
		}
		fmt.Fprintln(ios.Out, run.ID)
		fmt.Fprintf(ios.ErrOut, "pssh: run %s submitted (%d hosts); follow it with: pssh attach %s\n", run.ID, run.Len(), run.ID)
		return nil
	}
	return followRun(o, ios, func(ctx context.Context, t *rolloutTracker) (*cluster.Run, error) {
		if t != nil {
			// The submitter hands out the batches, decided as a direct
			// rollout's (the workers' -p bounds the commands running).
			job.Options.Rollout = o.rollout.rollout(o.par, t)
		}
		return (&cluster.Submitter{Conn: nc, Key: key}).Submit(ctx, job)
	})
}

// followRun reports the run start returns as a direct run is reported,
// with o's views; Ctrl-C (which ends start's context) cancels it. With
// the rollout flags, start gets the tracker that reports the batches.
func followRun(o *runOptions, ios *ioStreams, start func(context.Context, *rolloutTracker) (*cluster.Run, error)) error {
	ctx, stop := interruptible(false)
	defer stop(nil)
	rios := *ios
	rios.Out = watchClosed(rios.Out, func() { stop(errStdoutClosed) })
	p := runPrinter(o, &rios)
	var tracker *rolloutTracker
	if o.rollout.rolling() {
		tracker = &rolloutTracker{p: p, quiet: o.json}
	}
	run, err := start(ctx, tracker)
	if err != nil {
		return err
	}
	return reportRun(o, p, ctx, pssh.Labels(run.Hosts(), nil), tracker, func(collect func(*pssh.HostOutput)) {
		for out := range run.Outputs() {
			go collect(out)
		}
		// Every host yielded; Wait returns once they ended and the
		// rollout's last batch report is in the tracker.
		run.Wait(context.Background())
	})
}

// hostSites gives each host its site: the one of its hosts-file line
// (sites), or else its inventory's pssh_site or site variable, or else
// fallback (--site, or "default").
func (o *options) hostSites(hosts []string, sites map[string]string, fallback string) ([]cluster.Host, error) {
	out := make([]cluster.Host, len(hosts))
	for i, h := range hosts {
		site := sites[h]
		if site == "" && o.resolver != nil {
			if v, ok := o.resolver.Vars(hostName(h)); ok && v.Site != "" {
				if err := cluster.CheckSite(v.Site); err != nil {
					return nil, usagef("inventory, host %s: %v", h, err)
				}
				site = v.Site
			}
		}
		out[i] = cluster.Host{Name: h, Site: cmp.Or(site, fallback)}
	}
	return out, nil
}

// submitterKey loads the key runs are signed with, and names its file:
// file, or the default one (~/.config/pssh/submitter_ed25519), made on
// first use.
func submitterKey(file string) (string, ssh.Signer, error) {
	if file == "" {
		var err error
		if file, err = cluster.DefaultSubmitKey(); err != nil {
			return "", nil, err
		}
	}
	key, err := cluster.LoadOrCreateKey(file)
	return file, key, err
}
