package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/childenv"
	"github.com/gopssh/pssh/internal/peercred"
)

// The background control master: started by startMaster as "pssh control
// serve" with the invocation's hosts and connection flags, detached (its
// own session, standard input and output on /dev/null, its log in
// SOCKET.log); "pssh control status" and "pssh control stop" find it
// through its socket.

// masterStartTimeout bounds the wait for a new master's socket.
const masterStartTimeout = 10 * time.Second

// masterAnswers tells whether a master of ours answers on path. It asks
// for the master's status, a whole exchange, rather than merely
// connecting: a link dropped unused is logged by the master.
func masterAnswers(path string) bool {
	if !socketExists(path) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := pssh.ControlStatus(ctx, path)
	return err == nil
}

// socketExists tells whether something is at path (a stale socket too).
func socketExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// errNoMaster is a control socket no master answers on.
var errNoMaster = errors.New("no control master answers")

// masterPID returns the process ID of the master listening on path,
// checking that it runs as this user.
func masterPID(path string) (int, error) {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return 0, fmt.Errorf("%w on %s", errNoMaster, path)
	}
	defer conn.Close()
	uc := conn.(*net.UnixConn)
	uid, err := peercred.UID(uc)
	if err != nil {
		return 0, err
	}
	if uid != os.Getuid() {
		return 0, fmt.Errorf("control socket %s belongs to user %d", path, uid)
	}
	return peercred.PID(uc)
}

// startMaster starts the control master for o's hosts on path, ended
// after persist unused (0: never), and waits until it answers.
func startMaster(o *options, path string, persist time.Duration) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	persistArg := "yes"
	if persist > 0 {
		persistArg = strconvSeconds(persist)
	}
	args := append([]string{"control", "serve", "--control-path=" + path, "--control-persist=" + persistArg}, flagArgs(o.flags)...)
	logFile, err := openMasterLog(path)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// The master holds the pipe's writing end until it ends: its closing
	// tells that the master died before answering.
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := childenv.Command(exe, args...)
	cmd.Stderr = logFile // standard input and output: /dev/null
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return err
	}
	died := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(died)
	}()
	// Reap the master if it ends while this invocation runs.
	go cmd.Wait()
	deadline := time.Now().Add(masterStartTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if masterAnswers(path) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the master did not answer within %v (see %s)", masterStartTimeout, logFile.Name())
		}
		select {
		case <-died:
			if masterAnswers(path) { // it may have answered, then ended
				return nil
			}
			return fmt.Errorf("the master ended at once (see %s)", logFile.Name())
		case <-time.After(wait):
		}
	}
}

// strconvSeconds is d in whole seconds, at least one.
func strconvSeconds(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int64((d+time.Second-1)/time.Second)))
}

// openMasterLog opens the master's log, SOCKET.log, for appending.
func openMasterLog(path string) (*os.File, error) {
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path+".log", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:max(i, 1)]
		}
	}
	return "."
}

// notForMaster are the host and connection flags a master is not given:
// its own, -w (given back as the -H it set), and those that choose among
// the hosts or report on a run.
var notForMaster = []string{"control-persist", "control-path", "nodes", "pick", "failed-to"}

// flagArgs gives back, as arguments, the hosts and connection flags set
// on fs: the master is started with the same, so that its credentials
// for each host are the invocation's.
func flagArgs(fs *pflag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *pflag.Flag) {
		group := f.Annotations[groupAnnotation]
		if !slices.Contains(group, hostsGroup.key) && !slices.Contains(group, connectionGroup.key) {
			return
		}
		if slices.Contains(notForMaster, f.Name) {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return args
}

// newCmdControl is "pssh control": status, stop, and the hidden serve
// that runs a master.
func newCmdControl(ios *ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "control status|stop",
		Short: "the background control master of --control-persist: its state, or stop it",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdControlServe(ios), newCmdControlQuery(ios, "status"), newCmdControlQuery(ios, "stop"))
	return cmd
}

// newCmdControlServe is "pssh control serve", the master itself, started
// by startMaster.
func newCmdControlServe(ios *ioStreams) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:    "serve",
		Short:  "run a control master (started by --control-persist)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			// fd 3, if given, tells startMaster that the master ended:
			// none of the master's children may hold it.
			syscall.CloseOnExec(3)
			return serveControl(&o, ios)
		}),
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	addHostFlags(fs, &o)
	addConnectionFlags(fs, &o)
	return cmd
}

// serveControl runs a control master for o's hosts until it has been
// unused for its ControlPersist time, or SIGTERM.
func serveControl(o *options, ios *ioStreams) error {
	s, err := connect(o, startup{ios: ios, master: true, keepConnections: true})
	if err != nil {
		return err
	}
	defer s.close()
	path, err := o.control.socket()
	if err != nil {
		return err
	}
	if path == "" {
		return usagef("control serve needs a control path")
	}
	logger := log.New(ios.ErrOut, fmt.Sprintf("pssh[%d] ", os.Getpid()), log.LstdFlags)
	logger.Printf("control master for %d hosts, idle limit %v", len(s.hosts), o.control.persist)
	err = s.client.ServeControl(s.ctx, path, &pssh.ControlOptions{IdleTimeout: o.control.persist, Logf: logger.Printf})
	logger.Printf("control master ended: %v", err)
	return err
}

// newCmdControlQuery is "pssh control status" or "pssh control stop".
func newCmdControlQuery(ios *ioStreams, what string) *cobra.Command {
	var o options
	short := "show the control master's process, log, hosts and their connections"
	if what == "stop" {
		short = "stop the control master (SIGTERM): it closes its connections and removes its socket"
	}
	cmd := &cobra.Command{
		Use:   what,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var c controlSettings
			for _, opt := range o.sshOptions {
				var s sshSettings
				if err := s.option(opt); err != nil {
					return err
				}
				if s.control.pathSet {
					c.path, c.pathSet = s.control.path, true
				}
			}
			if err := c.flags("", o.controlPath); err != nil {
				return err
			}
			path, err := c.socket()
			if err != nil {
				return err
			}
			if path == "" {
				return usagef("ControlPath none: no control master")
			}
			if what == "stop" {
				return stopMaster(path, ios)
			}
			return masterStatus(path, ios)
		}),
	}
	g := flagGroup{cmd.Flags(), connectionGroup}
	g.strings(&o.sshOptions, "option", "O", "OPT", "ssh_config option: ControlPath (others are ignored)")
	g.string(&o.controlPath, "control-path", "", "SOCKET", "the control master's socket (default $XDG_RUNTIME_DIR/pssh/control or /tmp/pssh-UID/control)")
	return cmd
}

// masterStatus reports the master on path and its hosts; exit status 1
// if none answers.
func masterStatus(path string, ios *ioStreams) error {
	pid, err := masterPID(path)
	if err != nil {
		fmt.Fprintf(ios.Out, "no control master: %v\n", err)
		return exitCode(exitMisc)
	}
	hosts, err := pssh.ControlStatus(context.Background(), path)
	if err != nil {
		return err
	}
	connected := 0
	for _, h := range hosts {
		if h.Connected {
			connected++
		}
	}
	fmt.Fprintf(ios.Out, "control master: pid %d, socket %s, log %s.log\n%d hosts, %d connected\n", pid, path, path, len(hosts), connected)
	for _, h := range hosts {
		state := "not connected"
		switch {
		case h.Connected && h.InUse > 0:
			state = fmt.Sprintf("connected, %d in use", h.InUse)
		case h.Connected:
			state = "connected"
		}
		fmt.Fprintf(ios.Out, "%s\t%s\n", shown(h.Host), state)
	}
	return nil
}

// stopMaster ends the master on path with SIGTERM and waits until its
// socket is gone.
func stopMaster(path string, ios *ioStreams) error {
	pid, err := masterPID(path)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "pssh: %v\n", err)
		return exitCode(exitMisc)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping the control master (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(masterStartTimeout)
	for wait := time.Millisecond; socketExists(path); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the control master (pid %d) did not end within %v", pid, masterStartTimeout)
		}
		time.Sleep(wait)
	}
	fmt.Fprintf(ios.ErrOut, "pssh: control master (pid %d) on %s stopped\n", pid, path)
	return nil
}
