package cluster

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"syscall"
	"time"

	"github.com/gopssh/pssh"
)

// DefaultPrefix names the streams, bucket and subjects of a cluster.
const DefaultPrefix = "pssh"

// DefaultSite is the site of a host given none, and a worker's default.
const DefaultSite = "default"

// ChunkSize is the most output bytes one event carries.
const ChunkSize = 32 << 10

// names are a cluster's subjects, streams and bucket, from its prefix.
type names struct{ prefix string }

func (n names) workStream() string           { return n.prefix + "_WORK" }
func (n names) eventStream() string          { return n.prefix + "_EVENTS" }
func (n names) claims() string               { return n.prefix + "_runs" }
func (n names) workAll() string              { return n.prefix + ".work.>" }
func (n names) work(site, run string) string { return n.prefix + ".work." + site + "." + run }
func (n names) siteWork(site string) string  { return n.prefix + ".work." + site + ".>" }
func (n names) runWork(run string) string    { return n.prefix + ".work.*." + run }
func (n names) eventsAll() string            { return n.prefix + ".ev.>" }
func (n names) events(run string) string     { return n.prefix + ".ev." + run }
func (n names) cancel(run string) string     { return n.prefix + ".cancel." + run }
func (n names) consumer(site string) string  { return "site_" + site }

// claimKey is the key that claims an item's attempt: "R.N" for the first,
// "R.N.A" for attempt A (an item handed again to another worker).
func claimKey(run string, item, attempt int) string {
	if attempt == 0 {
		return fmt.Sprintf("%s.%d", run, item)
	}
	return fmt.Sprintf("%s.%d.%d", run, item, attempt)
}

// hostKey is the key that claims host i of run: a worker creates it
// before starting the host, so that no two workers start it.
func hostKey(run string, i int) string { return fmt.Sprintf("%s.host.%d", run, i) }

// AttemptHeader numbers a work item handed again, after its worker was
// lost, to another worker: 1, 2... (none: 0). It is not signed: what
// keeps a command from running twice is the claim of each host.
const AttemptHeader = "Pssh-Attempt"

// maxAttempts is how many times an item is handed out at most.
const maxAttempts = 3

// nameRE is what a site name and a prefix may be: one subject token.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckSite returns an error for a site name that cannot be one:
// letters, digits, "_" and "-", at most 64.
func CheckSite(site string) error {
	if !nameRE.MatchString(site) {
		return fmt.Errorf("site %q: use letters, digits, _ and - (at most 64)", site)
	}
	return nil
}

// item is one work item: the hosts of one site, or a share of them. Its
// JSON is what the submitter signs.
type item struct {
	Run     string     `json:"run"`
	Item    int        `json:"item"`
	Site    string     `json:"site"`
	Created time.Time  `json:"created"`
	Command string     `json:"command"`
	Hosts   []itemHost `json:"hosts"`
	Options options    `json:"options"`
	Input   []byte     `json:"input,omitempty"`
}

// itemHost is a host of an item and its index in the run.
type itemHost struct {
	Index int    `json:"i"`
	Host  string `json:"h"`
}

// options are the RunOptions a Job carries, and the login.
type options struct {
	User             string            `json:"user,omitempty"` // login user (Config.User)
	Port             int               `json:"port,omitempty"` // Config.Port
	Sudo             bool              `json:"sudo,omitempty"`
	SudoUser         string            `json:"sudo_user,omitempty"`
	Shell            string            `json:"shell,omitempty"`
	PTY              bool              `json:"pty,omitempty"`
	Term             string            `json:"term,omitempty"`
	Width            int               `json:"width,omitempty"`
	Height           int               `json:"height,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	IgnoreRefusedEnv bool              `json:"ignore_refused_env,omitempty"`
	HostTimeout      time.Duration     `json:"host_timeout,omitempty"`
	ReadTimeout      time.Duration     `json:"read_timeout,omitempty"`
}

func (o options) runOptions() *pssh.RunOptions {
	return &pssh.RunOptions{
		Sudo: o.Sudo, User: o.SudoUser, Shell: o.Shell,
		UsePTY: o.PTY, Term: o.Term, Width: o.Width, Height: o.Height,
		Env: o.Env, IgnoreRefusedEnv: o.IgnoreRefusedEnv,
		HostTimeout: o.HostTimeout, ReadTimeout: o.ReadTimeout,
		ContinueOnErrors: true,
	}
}

// envelope is a signed item as published.
type envelope struct {
	Item   []byte `json:"item"`   // the item's JSON, signed
	Key    string `json:"key"`    // the submitter's public key, authorized_keys format
	Format string `json:"format"` // the signature's format, "ssh-ed25519"
	Sig    []byte `json:"sig"`
}

// Event types.
const (
	evAccept = "accept"
	evStart  = "start"
	evOut    = "out"
	evErr    = "err"
	evEnd    = "end"
	evFail   = "fail"
	evBeat   = "beat"
	evRefuse = "refuse"
	evDone   = "done"
	evRun    = "run"
)

// manifest is one of a run's first events, one per item, published before
// the items: Submitter.Attach rebuilds the run from them. (One per item
// keeps each within NATS's payload limit, as the items are.)
type manifest struct {
	Type    string     `json:"t"`    // evRun
	Item    int        `json:"item"` // -1: not an item's event
	Part    int        `json:"part"` // the item it describes
	Parts   int        `json:"parts"`
	Site    string     `json:"site,omitempty"` // the item's site
	Total   int        `json:"total"`          // hosts in the run
	Hosts   []itemHost `json:"hosts"`
	Created time.Time  `json:"created"`
	// Batch, in a rollout's run, is the item's batch (from 1): the
	// submitter hands the item out when the rollout starts that batch.
	Batch int `json:"batch,omitempty"`
}

// event is one message of a run's event subject.
type event struct {
	Type    string     `json:"t"`
	Item    int        `json:"item"`
	Attempt int        `json:"attempt,omitempty"` // the item's attempt
	Seq     uint64     `json:"seq"`               // 1, 2, ... within the item's attempt
	Worker  string     `json:"worker,omitempty"`
	Host    int        `json:"host,omitempty"` // index in the run
	User    string     `json:"user,omitempty"`
	Addr    string     `json:"addr,omitempty"`
	Command string     `json:"cmd,omitempty"`
	Data    []byte     `json:"data,omitempty"`
	Code    *int       `json:"code,omitempty"`
	Signal  string     `json:"signal,omitempty"`
	Err     *wireError `json:"err,omitempty"`
	Reason  string     `json:"reason,omitempty"` // refuse
}

// wireError is a host's error as it travels.
type wireError struct {
	Kind     pssh.FailureKind `json:"kind"`
	Type     string           `json:"type,omitempty"` // "timeout", "connection", "session", "not_started", "worker_lost"
	Message  string           `json:"msg"`
	Cause    string           `json:"cause,omitempty"` // the wrapped error's text
	Errno    uintptr          `json:"errno,omitempty"`
	Phase    pssh.Phase       `json:"phase,omitempty"`
	Deadline bool             `json:"deadline,omitempty"`
	Limit    time.Duration    `json:"limit,omitempty"`
	Addr     string           `json:"addr,omitempty"`
	Attempts int              `json:"attempts,omitempty"`
	Op       string           `json:"op,omitempty"`
	Worker   string           `json:"worker,omitempty"`
}

// encodeError turns a host's error into its wire form; nil for nil.
func encodeError(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Kind: pssh.Classify(err), Message: err.Error()}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		w.Errno = uintptr(errno)
	}
	var (
		te  *pssh.TimeoutError
		ce  *pssh.ConnectionError
		se  *pssh.SessionError
		nse *pssh.NotStartedError
		wl  *pssh.WorkerLostError
	)
	switch {
	case errors.As(err, &wl):
		w.Type, w.Worker = "worker_lost", wl.Worker
	case errors.As(err, &te):
		w.Type, w.Phase, w.Deadline, w.Limit = "timeout", te.Phase, te.Deadline, te.Limit
		w.Cause = causeText(te.Err)
	case errors.As(err, &nse):
		w.Type, w.Cause = "not_started", causeText(nse.Err)
	case errors.As(err, &ce):
		w.Type, w.Addr, w.Attempts, w.Cause = "connection", ce.Addr, ce.Attempts, causeText(ce.Err)
		if errno != 0 {
			w.Cause = errno.Error()
		}
	case errors.As(err, &se):
		w.Type, w.Op, w.Cause = "session", se.Op, causeText(se.Err)
	}
	return w
}

func causeText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// decode rebuilds the error of host: the library's type where the wire
// form names one, around a *pssh.RemoteError, or else a RemoteError;
// either way pssh.Classify gives the worker's kind.
func (w *wireError) decode(host string) error {
	if w == nil {
		return nil
	}
	if err := w.rebuild(host); pssh.Classify(err) == w.Kind {
		return err
	}
	return &pssh.RemoteError{Host: host, Kind: w.Kind, Errno: w.Errno, Message: w.Message}
}

// rebuild is decode's library type.
func (w *wireError) rebuild(host string) error {
	cause := func() error {
		if w.Cause == "" {
			return nil
		}
		kind := pssh.FailureOther
		if w.Kind == pssh.FailureInterrupted || w.Type == "not_started" {
			kind = pssh.FailureInterrupted
		}
		return &pssh.RemoteError{Host: host, Kind: kind, Errno: w.Errno, Message: w.Cause}
	}
	switch w.Type {
	case "worker_lost":
		return &pssh.WorkerLostError{Host: host, Worker: w.Worker}
	case "timeout":
		return &pssh.TimeoutError{Host: host, Phase: w.Phase, Deadline: w.Deadline, Limit: w.Limit, Err: cause()}
	case "not_started":
		c := cause()
		if c == nil {
			c = context.Canceled
		}
		return &pssh.NotStartedError{Host: host, Err: c}
	case "connection":
		return &pssh.ConnectionError{Host: host, Addr: w.Addr, Attempts: w.Attempts,
			Err: &pssh.RemoteError{Host: host, Kind: pssh.FailureConnection, Errno: w.Errno, Message: w.Cause}}
	case "session":
		return &pssh.SessionError{Host: host, Op: w.Op, Err: &pssh.RemoteError{Host: host, Kind: pssh.FailureSession, Errno: w.Errno, Message: w.Cause}}
	}
	return &pssh.RemoteError{Host: host, Kind: w.Kind, Errno: w.Errno, Message: w.Message}
}
