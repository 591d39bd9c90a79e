// Package cluster runs pssh commands through workers on NATS JetStream:
// a submitter hands a run to the workers of each host's site, and gets
// back, for every host, a *pssh.HostOutput that reads, waits and
// classifies exactly as one of a direct Client.Run.
//
// # Pieces
//
// A [Worker] serves one site: it runs on a machine that can reach the
// site's hosts, with that machine's own SSH setup (agent, keys,
// ~/.ssh/config, known_hosts). No SSH credential travels over NATS. It
// takes work items of its site, runs their hosts with the library (a
// pssh.Client, at most Worker.Par commands at once, RunOptions.HostTimeout
// as in a direct run) and streams each host's events back.
//
// A [Submitter] signs a [Job] with its ed25519 key, splits it into work
// items per site (Submitter.ItemHosts hosts at most per item, so that
// several workers of a site share a large site), publishes them and
// returns a [Run]. Run.Outputs yields each host's output as the host starts
// or fails; the outputs are filled by pssh.Relay from the events, so the
// pssh command line shows them with its own views and exit statuses.
//
// A run goes on without its submitter: [Submitter.Attach] rebuilds it by id
// from its events, which start with its manifest ("run" events, one per
// item: the item's hosts and their indices), replays what the workers
// reported and follows it live.
//
// [StartLocal] starts an embedded NATS server with JetStream on 127.0.0.1
// with generated credentials: "pssh cluster up".
//
// # Subjects and streams
//
// With the default prefix "pssh":
//
//	pssh_WORK     stream, work-queue retention, subjects pssh.work.>
//	              an item of run R for site S is published on pssh.work.S.R;
//	              the workers of site S share the durable consumer "site_S"
//	pssh_EVENTS   stream, limits retention (Submitter.EventsMaxAge), subjects pssh.ev.>
//	              every event of run R is published on pssh.ev.R; the
//	              submitter reads them with an ephemeral consumer of its own,
//	              in order (a gap or missing heartbeats: it follows again)
//	pssh_runs     key-value bucket: key "R.N" claims item N of run R, by a
//	              worker ("NAME#TOKEN": its name, and a token of its attempt, so that a
//	              claim whose reply was lost is found again as its own) or by
//	              the submitter giving up on it
//	              ("abandoned"); whoever creates the key first wins. "R.N.A"
//	              claims the item's attempt A (handed again, see Faults);
//	              "R.host.I" claims host I for the worker that starts it
//	pssh.cancel.R core NATS subject: cancel run R (Ctrl-C, a cancelled
//	              context); the submitter also purges R's unclaimed items
//
// The submitter pulls the events with a heartbeat every second: when the
// NATS node it reads from is lost, it follows the run again, on another
// node, from the event after the last one it read. It also publishes a
// probe on the run's event subject every second and watches it come back
// through its own consumer: a worker's silence counts only up to the
// latest probe back, so a submitter that cannot hear (its node lost, a
// leader election, its consumer stuck in a reset) declares no worker
// lost. Probes missing for 5s make it follow the run again; missing for a
// minute, the run fails (Run.Wait), its hosts ended as lost.
//
// Events are JSON objects: "run" (the manifest), "accept" (a worker claimed an item), "start"
// (a host's command started: user, address, exact command), "out" and
// "err" (a chunk of stdout or stderr, at most ChunkSize bytes, well within
// NATS's payload limit), "end" (exit status, signal, typed error), "fail"
// (the host never started, typed error), "beat" (the worker is alive, every
// Worker.Beat; a core publish with no sequence number, never queued behind
// the item's other events, and stopped once one of them was given up on),
// "refuse" (the item was not run, and why) and "done" (every
// host of the item has ended). A worker publishes asynchronously with at
// most Worker.MaxPending messages in flight: a slow bus holds its readers
// back, and the host's output buffers (and spills) in the worker as in a
// local run.
//
// A host's error travels as its text, its pssh.FailureKind and the fields
// callers act on (timeout phase, session step, system error number); the
// submitter rebuilds the library's type (*pssh.TimeoutError,
// *pssh.ConnectionError, ...) around a *pssh.RemoteError, so Classify and
// errors.As answer as for a local host.
//
// # Security
//
// A Job is signed: the signature (ed25519, over the exact JSON of each
// work item) covers the run id, the item number, the site, the command, the
// hosts, the options, the standard input and the time of submission. A
// worker runs only items signed by a key of its trusted-submitters file
// (one public key a line, in authorized_keys format) and refuses, with a
// "refuse" event, anything else. A replayed item finds its key in pssh_runs
// taken and is refused; items older than MaxItemAge are refused, and the
// bucket keeps keys longer than that. Jobs carry no secrets: there is no
// password, agent forwarding or key in a Job, and the command line refuses
// -A and password authentication with --nats.
//
// # Rollouts
//
// A Job whose Options.Rollout is set runs in batches, decided by
// pssh.DriveRollout as a direct run's rollout is: Submit publishes the
// manifest of every item at once (each with its batch), then the items of
// a batch, signed as they are handed out, when the rollout starts it; the
// hosts of batches the rollout does not start end with a
// *pssh.NotStartedError wrapping the *pssh.RolloutStopError, and Run.Wait
// returns once the rollout's last report (Rollout.OnBatch) is made. A batch
// is handed out whole: the workers' Par bounds its commands, and MaxFail is
// checked as it ends. The submitter drives the rollout, so Attach refuses
// such a run (ErrRollout).
//
// # Faults
//
// Each host ends exactly once in a Run. An item no worker claims within
// Submitter.StartTimeout (counted from its publication, or from the last
// event of a worker busy with another item of the run in its site: items
// queued behind live workers wait for them) is claimed by the submitter as
// abandoned and its hosts end with a *pssh.NotStartedError wrapping
// pssh.ErrNoWorker. A
// worker silent for Submitter.LostAfter after claiming an item loses it:
// the hosts it started end with a *pssh.WorkerLostError (fate unknown, the
// output received kept); the item is published again (its signed bytes,
// with an AttemptHeader), for another worker of the site, at most twice.
// The new attempt runs only the hosts no worker has claimed: a worker
// claims each host ("R.host.I") before starting it, so a host the lost
// worker claimed without reporting its start ends with a WorkerLostError
// too, and a lost worker that comes back cannot start a host given to
// another. An attempt no worker claims within StartTimeout ends its hosts
// as above (ErrNoWorker); a run followed by Attach, which has not the
// item's bytes, or past the attempts, ends them with a *pssh.NotStartedError
// wrapping the WorkerLostError. A command is never run twice.
package cluster
