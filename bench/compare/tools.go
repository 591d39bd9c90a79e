package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// tool is one client being compared. fanout and stream build a job for the
// two kinds of work; either is nil when the tool does not take part in it.
type tool struct {
	name  string // for -tools
	label string // row label in the results
	// streamLabel replaces label in the streaming results, when set.
	streamLabel string
	ours        bool // pssh's own; the others are the peers it is compared with
	// fanout runs `command` on hosts h0 … h<n-1>, all at once.
	fanout func(w *workspace, n int, command string) job
	// stream runs a command printing size bytes on h0 and throws the
	// output away (or, for a tool that cannot, writes it to a file).
	stream func(w *workspace, size int64) job
}

// workspace holds the files every tool reads: one ssh_config for the
// largest N (a superset serves every smaller N), hosts files per N, the
// built pssh binary and the asyncssh script.
type workspace struct {
	dir       string // temporary directory
	sshConfig string // ssh_config naming h0 … h<max N-1>
	user      string
	key       string
	known     string
	port      int
	pssh      string // our CLI, built from this repository
	python    string // a python3 with asyncssh (/usr/bin/python3)
	script    string // asyncssh_run.py
	shmDir    string // tmpfs directory for `pssh -o`
	timeout   int    // seconds, for the tools' own time limits
}

// hostsPath returns the hosts file for n hosts (written by the harness).
func (w *workspace) hostsPath(n int) string {
	return filepath.Join(w.dir, "hosts-"+strconv.Itoa(n))
}

// addrsPath returns the asyncssh script's host list for n hosts.
func (w *workspace) addrsPath(n int) string {
	return filepath.Join(w.dir, "addrs-"+strconv.Itoa(n))
}

// streamCommand prints size zero bytes on the remote host.
func streamCommand(size int64) string {
	return fmt.Sprintf("head -c %d /dev/zero", size)
}

// allTools returns the tools in the order they run in each repetition.
func allTools() []tool {
	return []tool{
		{
			name: "pssh", label: "pssh (this repository)", ours: true,
			// The fleet's N names share a few loopback addresses (see
			// sshconfig.go): --allow-duplicates runs every name, as the
			// other tools do, where pssh would run each address once.
			fanout: func(w *workspace, n int, command string) job {
				return job{
					argv:  []string{w.pssh, "-F", w.sshConfig, "-h", w.hostsPath(n), "--allow-duplicates", "-p", strconv.Itoa(n), "-t", "0", "--connect-timeout", strconv.Itoa(w.timeout), command},
					check: countStatusLines(n),
				}
			},
			// The default view reads every host's output to its end and
			// keeps none of it.
			stream: func(w *workspace, size int64) job {
				return job{
					argv:  []string{w.pssh, "-F", w.sshConfig, "-H", alias(0), "-t", "0", streamCommand(size)},
					check: countStatusLines(1),
				}
			},
		},
		{
			name: "pssh-master", label: "pssh through its control master", ours: true,
			// A first, untimed invocation starts the master holding every
			// host's connection; the timed one is the second, which opens
			// no connection of its own; the master is stopped after it.
			fanout: func(w *workspace, n int, command string) job {
				dir := filepath.Join(w.dir, "control") // only the user may enter it: pssh checks
				path := filepath.Join(dir, strconv.Itoa(n))
				argv := []string{w.pssh, "-F", w.sshConfig, "-h", w.hostsPath(n), "--allow-duplicates", "-p", strconv.Itoa(n), "-t", "0",
					"--connect-timeout", strconv.Itoa(w.timeout), "--control-persist", "10m", "--control-path", path, command}
				return job{
					argv:  argv,
					check: countStatusLines(n),
					before: func(ctx context.Context) error {
						if err := os.MkdirAll(dir, 0o700); err != nil {
							return err
						}
						return runQuiet(ctx, argv)
					},
					after: func() error {
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						defer cancel()
						return runQuiet(ctx, []string{w.pssh, "control", "stop", "-O", "ControlPath=" + path})
					},
				}
			},
		},
		{
			name: "pssh-o", label: "pssh -o DIR (file on tmpfs)", ours: true,
			stream: func(w *workspace, size int64) job {
				return job{
					argv:  []string{w.pssh, "-F", w.sshConfig, "-H", alias(0), "-t", "0", "-o", w.shmDir, streamCommand(size)},
					check: countStatusLines(1),
					after: fileSize(filepath.Join(w.shmDir, alias(0)), size),
				}
			},
		},
		{
			name: "parallel-ssh", label: "parallel-ssh (pssh 2.3 CLI, ssh per host)",
			fanout: func(w *workspace, n int, command string) job {
				return job{
					argv:  []string{"parallel-ssh", "-h", w.hostsPath(n), "-p", strconv.Itoa(n), "-t", "0", "-x", "-F " + w.sshConfig, command},
					check: countStatusLines(n),
				}
			},
		},
		{
			name: "pdsh", label: "pdsh -R ssh",
			fanout: func(w *workspace, n int, command string) job {
				return job{
					argv: []string{"pdsh", "-R", "ssh", "-S", "-l", w.user, "-f", strconv.Itoa(n), "-t", strconv.Itoa(w.timeout),
						"-w", "^" + w.hostsPath(n), command},
					env:   []string{"PDSH_SSH_ARGS_APPEND=-F " + w.sshConfig},
					check: quietStderr,
				}
			},
		},
		{
			name: "clush", label: "clush (ClusterShell)",
			fanout: func(w *workspace, n int, command string) job {
				return job{
					argv: []string{"clush", "-S", "-f", strconv.Itoa(n), "-t", strconv.Itoa(w.timeout), "-o", "-F " + w.sshConfig,
						"--hostfile", w.hostsPath(n), command},
					check: quietStderr,
				}
			},
		},
		{
			name: "asyncssh", label: "asyncssh (Python, one process)",
			fanout: func(w *workspace, n int, command string) job {
				return job{argv: w.asyncsshArgv(n, command), check: countOKLines(n)}
			},
			stream: func(w *workspace, size int64) job {
				return job{argv: w.asyncsshArgv(1, streamCommand(size)), check: okBytes(size)}
			},
		},
		{
			name: "ssh", label: "OpenSSH ssh (one per host, sh loop)", streamLabel: "OpenSSH ssh > /dev/null",
			fanout: func(w *workspace, n int, command string) job {
				loop := `for h in $(cat "$1"); do { ssh -F "$2" "$h" "$3" && echo "OK $h"; } & done; wait`
				return job{
					argv:  []string{"/bin/sh", "-c", loop, "sh", w.hostsPath(n), w.sshConfig, command},
					check: countOKLines(n),
				}
			},
			stream: func(w *workspace, size int64) job {
				return job{argv: []string{"ssh", "-F", w.sshConfig, alias(0), streamCommand(size)}, discardStdout: true}
			},
		},
		{
			name: "ssh-aes", label: "OpenSSH ssh -c aes128-gcm@openssh.com > /dev/null",
			stream: func(w *workspace, size int64) job {
				return job{argv: []string{"ssh", "-F", w.sshConfig, "-c", "aes128-gcm@openssh.com", alias(0), streamCommand(size)}, discardStdout: true}
			},
		},
	}
}

// runQuiet runs argv to its end, its output kept for the error only.
func runQuiet(ctx context.Context, argv []string) error {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, tailBytes(out, stderrKeep))
	}
	return nil
}

// asyncsshArgv runs the asyncssh script on n hosts.
func (w *workspace) asyncsshArgv(n int, command string) []string {
	return []string{w.python, "-W", "ignore", w.script,
		"--hosts", w.addrsPath(n), "--port", strconv.Itoa(w.port), "--user", w.user,
		"--key", w.key, "--known-hosts", w.known, "--timeout", strconv.Itoa(w.timeout),
		"--", command}
}
