package pssh

import (
	"cmp"
	"io"
	"time"

	"github.com/gopssh/pssh/internal/spool"
)

// Relay fills a HostOutput with what a run made elsewhere reports, so
// that a host run by another process (a worker of package cluster) is read,
// waited for and classified exactly as a host of Client.Run: the same
// streams, buffered and spilled under the same Config limits, the same exit
// code, signal and typed error.
//
// Its methods are called by one goroutine, in the order the remote run
// happened: Start (or Fail), writes to Stdout and Stderr, then Finish.
// Fail and Finish end the host; later calls are ignored.
type Relay struct {
	out *HostOutput
}

// NewRelay returns a relay for host, the index-th host of its list, whose
// streams buffer as cfg says (OutputMemoryLimit, SpillDir,
// BlockOnFullBuffer; nil: the defaults). The output's Label is host without
// its user, as a Client labels a host no other host shares a name with.
func NewRelay(host string, index int, cfg *Config) *Relay {
	if cfg == nil {
		cfg = &Config{}
	}
	sopt := spool.Options{Limit: cmp.Or(cfg.OutputMemoryLimit, DefaultOutputMemoryLimit), Dir: cfg.SpillDir, Block: cfg.BlockOnFullBuffer}
	o := &HostOutput{
		Host:   host,
		Label:  withoutUser(host),
		Index:  index,
		Stdout: newStream(host, "stdout", spool.New(sopt), 0, nil),
		Stderr: newStream(host, "stderr", spool.New(sopt), 0, nil),
		done:   make(chan struct{}),
		start:  time.Now(),
	}
	return &Relay{out: o}
}

// Output returns the host's output, which the relay fills.
func (r *Relay) Output() *HostOutput { return r.out }

// Start records that the command started, as user on addr: call it before
// the output is handed to its readers, as its fields are not guarded.
func (r *Relay) Start(user, addr, command string) {
	r.out.User, r.out.Addr, r.out.Command = user, addr, command
}

// Stdout returns the writer of the command's standard output. A write
// fails once the host has ended.
func (r *Relay) Stdout() io.Writer { return r.out.Stdout.buf }

// Stderr returns the writer of the command's standard error.
func (r *Relay) Stderr() io.Writer { return r.out.Stderr.buf }

// Fail ends a host whose command never started, with err (as the host's
// Err; the kind Classify gives it decides how it is reported).
func (r *Relay) Fail(err error) {
	r.out.mu.Lock()
	ended := r.out.finishing || r.out.finished
	r.out.finishing = true
	r.out.mu.Unlock()
	if !ended {
		r.out.startFailed(err)
	}
}

// Finish ends a host whose command started: with its exit status (hasCode),
// or killed by signal, or neither (it ended without an exit status), and
// err, the host's error if any.
func (r *Relay) Finish(code int, hasCode bool, signal string, err error) {
	var waitErr error
	switch {
	case signal != "":
		waitErr = &exitError{signal: signal}
	case hasCode && code != 0:
		waitErr = &exitError{status: code}
	case !hasCode:
		waitErr = errNoExit
	}
	r.out.finish(waitErr, err)
}

// Ended reports whether the host has ended (Fail or Finish was called).
func (r *Relay) Ended() bool {
	r.out.mu.Lock()
	defer r.out.mu.Unlock()
	return r.out.finishing || r.out.finished
}
