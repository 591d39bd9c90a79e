package pssh

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gopssh/pssh/internal/fdlimit"
	"github.com/gopssh/pssh/internal/hostspec"
	"github.com/gopssh/pssh/internal/sshalgo"
	"github.com/gopssh/pssh/internal/sshconn"
	"github.com/pkg/sftp"
)

// UnknownHostError is returned for a host whose name does not resolve.
type UnknownHostError struct {
	Host string // the host as given in the host list
	Err  error  // usually a *net.DNSError
}

func (e *UnknownHostError) Error() string {
	var dnsErr *net.DNSError
	if errors.As(e.Err, &dnsErr) {
		// Its text names the host again: "lookup NAME on SERVER: no such host".
		cause := dnsErr.Err
		if dnsErr.Server != "" {
			cause += " (DNS server " + dnsErr.Server + ")"
		}
		return fmt.Sprintf("%s: unknown host (check the name, or your DNS): %s", e.Host, cause)
	}
	return fmt.Sprintf("%s: unknown host (check the name, or your DNS): %v", e.Host, e.Err)
}

func (e *UnknownHostError) Unwrap() error { return e.Err }

// ConnectionError is returned when the TCP connection could not be opened or
// was lost: refused, unreachable, reset, or closed during the handshake.
type ConnectionError struct {
	Host     string // the host as given
	Addr     string // the address dialed, host:port
	Attempts int    // connection attempts made
	Err      error
}

func (e *ConnectionError) Error() string {
	cause := e.Err
	var opErr *net.OpError
	if errors.As(e.Err, &opErr) && opErr.Err != nil && e.Err == error(opErr) {
		// "dial tcp ADDR: connect: connection refused" names the address again.
		cause = opErr.Err
		var sysErr *os.SyscallError
		if errors.As(opErr.Err, &sysErr) {
			cause = sysErr.Err
		}
	}
	s := fmt.Sprintf("%s: cannot connect%s: %s", e.Host, toAddr("to", e.Host, e.Addr), causeText(cause))
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// SSHConfigError is returned by New when an ssh_config file cannot be read
// or holds what pssh cannot apply for a host. File and Line say where
// (Line is 0 when not known, File "" when no file is to blame).
type SSHConfigError struct {
	Host string // the host entry being resolved; "" when the files were being read
	File string
	Line int
	Err  error // what is wrong
}

func (e *SSHConfigError) Error() string {
	return fmt.Sprintf("ssh_config: %s%v (set Config.IgnoreSSHConfig to ignore it)", e.Where(), e.Err)
}

// Where is "FILE:LINE: ", "FILE: " or "", as much as is known of where
// the error is, ready to put before the error's own text.
func (e *SSHConfigError) Where() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: ", e.File, e.Line)
	case e.File != "":
		return e.File + ": "
	}
	return ""
}

func (e *SSHConfigError) Unwrap() error { return e.Err }

// ErrNotSSH is wrapped by the ConnectionError of a host whose server
// answered with something other than SSH: another service (a web or mail
// server, say) listens on that port. The error quotes the first line it
// sent. Such connections are not retried.
var ErrNotSSH = sshconn.ErrNotSSH

// AuthenticationError is returned when the server accepted none of the
// credentials offered.
type AuthenticationError struct {
	Host  string   // the host as given
	User  string   // the remote user
	Addr  string   // host:port
	Tried []string // what was offered, e.g. "agent", "~/.ssh/id_ed25519", "password"
	// Skipped lists default identity files that exist but were not
	// offered, each with the reason: permissions too open, encrypted
	// without the passphrase, unreadable.
	Skipped []string
	Err     error
}

func (e *AuthenticationError) Error() string {
	tried := "nothing: give a key, a password or an agent"
	if len(e.Tried) > 0 {
		tried = strings.Join(e.Tried, ", ")
	}
	s := fmt.Sprintf("%s: authentication failed for %s@%s (tried: %s): %s", e.Host, e.User, e.Addr, tried, causeText(e.Err))
	if len(e.Skipped) > 0 {
		s += " (not offered: " + strings.Join(e.Skipped, "; ") + ")"
	}
	return s
}

func (e *AuthenticationError) Unwrap() error { return e.Err }

// HostKeyError is returned when the server's host key could not be verified:
// the host is not in known_hosts (Unknown), its key differs from the ones
// recorded there (Known lists the lines that disagree), the key is marked
// @revoked, a host certificate is invalid, or a known_hosts file the host
// uses cannot be read (Err says why). Nothing is sent to such a host, not
// even credentials.
type HostKeyError struct {
	Host        string   // the host as given
	Addr        string   // host:port
	KeyType     string   // the type of key the server offered, e.g. "ssh-ed25519"
	Fingerprint string   // its SHA256 fingerprint, as ssh-keygen -l shows it ("SHA256:...")
	Unknown     bool     // the host is in no known_hosts file
	Revoked     bool     // the key, or the CA that signed it, is marked @revoked
	Known       []string // the known_hosts lines that disagree (or revoke), as "file:line: text"
	Files       []string // the known_hosts files searched (or the one that could not be read); none with Config.HostKeyCallback
	Err         error    // from the host key check (a *knownhosts.KeyError or *knownhosts.FileError of this module, or HostKeyCallback's error)

	knownHost string // the host as known_hosts names it, "[host]:port" for ports other than 22
	knownFile string // the file of the first disagreeing line
}

func (e *HostKeyError) Error() string {
	offered := e.KeyType + " key " + e.Fingerprint
	switch {
	case e.Revoked:
		return fmt.Sprintf("%s: host key verification failed%s: it offered %s, which is REVOKED by %s; do not connect until the host has a new key",
			e.Host, toAddr("for", e.Host, e.Addr), offered, strings.Join(e.Known, "; "))
	case e.Unknown:
		host, port := e.Addr, "22"
		if h, p, err := net.SplitHostPort(e.Addr); err == nil {
			host, port = h, p
		}
		return fmt.Sprintf("%s: host key verification failed%s: the host is not in known_hosts (it offered %s); "+
			"check that fingerprint with the host's administrator, then add the host (ssh-keyscan -p %s %s >> ~/.ssh/known_hosts, or connect once with ssh), "+
			"or trust new hosts on first use with HostKeyPolicy HostKeyAcceptNew (StrictHostKeyChecking accept-new)",
			e.Host, toAddr("for", e.Host, e.Addr), offered, port, host)
	case len(e.Known) > 0:
		fix := "ssh-keygen -R '" + e.knownHost + "'"
		if e.knownFile != "" {
			fix += " -f " + e.knownFile
		}
		return fmt.Sprintf("%s: HOST KEY CHANGED%s: it offered %s, which does not match known_hosts (%s); "+
			"someone may be intercepting the connection, or the host was reinstalled: if you know the change is expected, remove the old key with %s and connect again",
			e.Host, toAddr("for", e.Host, e.Addr), offered, strings.Join(e.Known, "; "), fix)
	}
	if e.Fingerprint != "" {
		return fmt.Sprintf("%s: host key verification failed%s (it offered %s): %v", e.Host, toAddr("for", e.Host, e.Addr), offered, e.Err)
	}
	return fmt.Sprintf("%s: host key verification failed%s: %v", e.Host, toAddr("for", e.Host, e.Addr), e.Err)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// Phase is the step a host was at when it failed or ran out of time.
type Phase int

// The phases of a host, in order.
const (
	PhaseConnect   Phase = iota + 1 // resolving the name, opening the transport (TCP, a jump host's channel, a ProxyCommand) and waiting for the server's SSH version line: Config.ConnectTimeout
	PhaseHandshake                  // key exchange and host key check: Config.HandshakeTimeout
	PhaseAuth                       // user authentication: Config.HandshakeTimeout
	PhaseSession                    // opening the session and starting the command (env, pty and exec requests)
	PhaseCommand                    // the command running
	PhaseRead                       // reading the command's output (RunOptions.ReadTimeout)
)

// String returns the phase in words, e.g. "handshake".
func (p Phase) String() string {
	switch p {
	case PhaseConnect:
		return "connect"
	case PhaseHandshake:
		return "handshake"
	case PhaseAuth:
		return "authentication"
	case PhaseSession:
		return "session start"
	case PhaseCommand:
		return "command"
	case PhaseRead:
		return "read"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Connecting reports whether p is a phase of connecting: connect,
// handshake or authentication.
func (p Phase) Connecting() bool { return p >= PhaseConnect && p <= PhaseAuth }

// TimeoutError is returned when a host took too long. Phase says where it
// was; Deadline tells the run's own deadline (the context's, or
// RunOptions.HostTimeout) from a per-step limit (Config.ConnectTimeout,
// which also bounds each session request, Config.HandshakeTimeout, or
// RunOptions.ReadTimeout).
type TimeoutError struct {
	Host     string
	Phase    Phase
	Deadline bool          // the run's deadline passed, not a per-step limit
	Limit    time.Duration // the time limit that passed, if known: the step's, or RunOptions.HostTimeout's with Deadline
	Err      error         // the underlying error, if any
}

func (e *TimeoutError) Error() string {
	var what, limit string
	switch e.Phase {
	case PhaseRead:
		return fmt.Sprintf("%s: no output for %v (read timeout); the command may still be running", e.Host, e.Limit)
	case PhaseCommand:
		what = "command timed out"
	case PhaseSession:
		what, limit = "start command timed out", "ConnectTimeout"
	case PhaseConnect:
		what, limit = "timed out connecting (connect)", "ConnectTimeout"
	default:
		what, limit = "timed out connecting ("+e.Phase.String()+")", "HandshakeTimeout"
	}
	switch {
	case e.Deadline && e.Limit > 0:
		return fmt.Sprintf("%s: %s after %v (HostTimeout)", e.Host, what, e.Limit)
	case e.Deadline:
		return fmt.Sprintf("%s: %s at the run's deadline", e.Host, what)
	case e.Limit > 0 && limit != "":
		return fmt.Sprintf("%s: %s after %v (%s)", e.Host, what, e.Limit, limit)
	case e.Limit > 0:
		return fmt.Sprintf("%s: %s after %v", e.Host, what, e.Limit)
	}
	return fmt.Sprintf("%s: %s", e.Host, what)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true, as net.Error's does.
func (e *TimeoutError) Timeout() bool { return true }

// SessionError is returned when the connection was established but the
// command could not be run or did not end cleanly: the session was refused,
// the command could not start, or the connection was lost while it ran;
// and when a port forwarding failed (Op "forward").
type SessionError struct {
	Host string
	Op   string // "open session", "set environment", "request pty", "start command", "run", "forward"
	Err  error
}

func (e *SessionError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Host, e.Op, causeText(e.Err))
}

func (e *SessionError) Unwrap() error { return e.Err }

// EnvError is a host's error when its server refused to set a variable of
// RunOptions.Env (OpenSSH accepts only the names its AcceptEnv lists). The
// command was not run; RunOptions.IgnoreRefusedEnv runs it anyway.
type EnvError struct {
	Host string // the host as given
	Name string // the variable refused
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("%s: server refused to set %s: allow it with AcceptEnv in sshd_config (or set RunOptions.IgnoreRefusedEnv to run without it)", e.Host, e.Name)
}

// Errors wrapped by a RequestError.
var (
	// ErrNotRunning: the host has no running command, because it ended or
	// never started.
	ErrNotRunning = errors.New("the host has no running command (it ended, or never started)")
	// ErrNoPTY: Resize on a run without RunOptions.UsePTY.
	ErrNoPTY = errors.New("the command has no pseudo-terminal (run it with RunOptions.UsePTY)")
	// ErrRequestRefused: the server answered no. OpenSSH refuses signals
	// on root's sessions, and on sessions of a forced command or subsystem.
	ErrRequestRefused = errors.New("the server refused the request")
	// ErrNoReply: the server did not answer within the connect timeout.
	ErrNoReply = errors.New("the server did not answer the request")
)

// RequestError is returned by HostOutput.Signal and HostOutput.Resize when
// the request could not be made: the command is not running
// (ErrNotRunning), the run has no PTY (ErrNoPTY), the server refused it
// (ErrRequestRefused) or did not answer (ErrNoReply), or the session failed.
type RequestError struct {
	Host    string // the host as given
	Request string // e.g. "signal TERM", "window-change 132x50"
	Err     error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Host, e.Request, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// HostArgsError is returned by Run, before anything runs, when
// RunOptions.HostArgs does not fit the host list or the command.
type HostArgsError struct {
	Index  int    // host index the problem is about, or -1
	Host   string // that host, if any
	Pos    int    // byte offset in the command, or -1
	Reason string
}

func (e *HostArgsError) Error() string {
	var b strings.Builder
	b.WriteString("host arguments")
	if e.Index >= 0 {
		fmt.Fprintf(&b, " for host #%d (%s)", e.Index, e.Host)
	}
	if e.Pos >= 0 {
		fmt.Fprintf(&b, " at command position %d", e.Pos)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// NotStartedError is set on the hosts that were not started because Run
// stopped at another host's error (the default, see RunOptions.ContinueOnErrors),
// because the context ended first, or because a rollout stopped (Err is
// then a *RolloutStopError).
type NotStartedError struct {
	Host string
	Err  error // the error that stopped the run
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("%s: not started: %v", e.Host, e.Err)
}

func (e *NotStartedError) Unwrap() error { return e.Err }

// JoinTimeoutError is returned by Join when its timeout passed before every
// host finished. The unfinished hosts' outputs remain readable.
type JoinTimeoutError struct {
	Limit      time.Duration
	Finished   []string // hosts that finished, in host-list order
	Unfinished []string // hosts still running
}

func (e *JoinTimeoutError) Error() string {
	return fmt.Sprintf("join timed out after %v: %d of %d hosts still running: %s",
		e.Limit, len(e.Unfinished), len(e.Finished)+len(e.Unfinished), abbreviate(e.Unfinished, 10))
}

// Timeout reports true, as net.Error's does.
func (e *JoinTimeoutError) Timeout() bool { return true }

func abbreviate(hosts []string, n int) string {
	if len(hosts) <= n {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:n], ", ") + fmt.Sprintf(" and %d more", len(hosts)-n)
}

// JumpError is returned for a host reached through jump hosts (ProxyJump
// or Proxy) when a jump host failed. Hop names it as "user@host:port" and
// Err is its own error, whose Host is the hop: an *AuthenticationError,
// *HostKeyError, *ConnectionError, *TimeoutError or *UnknownHostError,
// which errors.As finds through the JumpError.
type JumpError struct {
	Host     string // the host as given
	Hop      string // the failing jump host, "user@host:port"
	HopIndex int    // its place in the chain, 1 for the first
	Err      error
}

func (e *JumpError) Error() string {
	return fmt.Sprintf("%s: jump host #%d failed: %v", e.Host, e.HopIndex, e.Err)
}

func (e *JumpError) Unwrap() error { return e.Err }

// AlgorithmError is the cause of a *ConnectionError when the client and the
// server have no key exchange, host key algorithm, cipher or MAC in common.
// pssh offers by default what OpenSSH 9 offers (no SHA-1 signatures or key
// exchange, no 96-bit MACs, no CBC); Disabled lists the server's
// algorithms that pssh implements but did not offer, and allowing one of
// them connects: Option "+NAME" in ssh_config or pssh's -O, or the Config
// field Field (Config.HostKeyAlgorithms: []string{"+ssh-rsa"}).
type AlgorithmError struct {
	What     string   // "key exchange", "host key", "cipher" or "MAC"
	Option   string   // OpenSSH's option for the list: "KexAlgorithms", "HostKeyAlgorithms", "Ciphers" or "MACs"
	Field    string   // the Config field for it: "KeyExchanges", "HostKeyAlgorithms", "Ciphers" or "MACs"
	Disabled []string // the server's algorithms pssh implements but did not offer, in the server's order
	// ServerOffer is the start of the server's list (at most 8 names, each
	// cut to 64 bytes): a server may send any number.
	ServerOffer []string
	Err         error // the negotiation failure, an *ssh.AlgorithmNegotiationError quoting both lists whole

	serverMore int // names of the server's list not in ServerOffer
}

func (e *AlgorithmError) Error() string {
	if len(e.Disabled) == 0 {
		offer := make([]string, len(e.ServerOffer))
		for i, a := range e.ServerOffer {
			offer[i] = fmt.Sprintf("%q", a)
		}
		more := ""
		if e.serverMore > 0 {
			more = fmt.Sprintf(" and %d more", e.serverMore)
		}
		return fmt.Sprintf("no %s algorithm in common with the server: it offers %s%s, none of which pssh implements",
			e.What, strings.Join(offer, ", "), more)
	}
	var names []string
	weak := false
	for _, a := range e.Disabled {
		if w := sshalgo.Weakness(a); w != "" {
			a += " (" + w + ")"
			weak = true
		}
		names = append(names, a)
	}
	why := ""
	if weak {
		why = ", as OpenSSH 9 does not by default"
	}
	list := strings.Join(e.Disabled, ",")
	return fmt.Sprintf("no %s algorithm in common with the server: of those it offers, pssh implements only %s, which it did not offer%s; "+
		"to allow it, add it to %s: pssh -O %s=+%s, %s +%s in ssh_config, or Config.%s in Go",
		e.What, strings.Join(names, ", "), why, e.Option, e.Option, list, e.Option, list, e.Field)
}

func (e *AlgorithmError) Unwrap() error { return e.Err }

// ErrInvalidOutput is wrapped by the error Join, JoinShells and
// RunShellCommands return, before waiting for anything, when an entry of
// their list is nil or was not returned by Run or OpenShell (a zero
// HostOutput or Shell): a mistake in the caller's code, reported rather
// than a panic.
var ErrInvalidOutput = errors.New("not an output of Run or a shell of OpenShell")

// ErrConnectionLost is wrapped by the SessionError of a host whose
// connection was lost while its command ran.
var ErrConnectionLost = errors.New("connection lost while the command ran")

// FileLimitError is the cause of a host's ConnectionError when the process
// ran out of file descriptors (EMFILE, or ENFILE for the whole system) while
// connecting: the limit is too low for the client's hosts. New raises the
// soft limit toward the hard one as needed, so the fix is a higher hard limit
// (ulimit -Hn, LimitNOFILE= in a systemd unit, limits.conf), or fewer hosts
// per client.
type FileLimitError struct {
	Limit FileLimit // the limit when the error happened, and what the hosts need
	Err   error     // the dial's error, wrapping syscall.EMFILE or syscall.ENFILE
}

func (e *FileLimitError) Error() string {
	l := e.Limit
	if errors.Is(e.Err, syscall.ENFILE) {
		return fmt.Sprintf("%v (the system's file table is full: raise fs.file-max or close files)", e.Err)
	}
	if !l.Known {
		return fmt.Sprintf("%v (the client's %s need about %d open files)", e.Err, l.hostsAtOnce(), l.Need)
	}
	lim := fdlimit.Limit{Soft: l.Soft, Hard: l.Hard, Known: true}
	return fmt.Sprintf("%v (open file limit: %s; the client's %s need about %d: raise the hard limit, e.g. ulimit -Hn, or use fewer hosts per client)",
		e.Err, lim, l.hostsAtOnce(), l.Need)
}

func (e *FileLimitError) Unwrap() error { return e.Err }

var (
	// ErrShellEnded is wrapped by the *CommandError of the command during
	// which the host's shell ended (an exit, a syntax error, a signal).
	ErrShellEnded = errors.New("the shell ended during this command")
	// ErrNotRun is wrapped by the *CommandError of a command that did not
	// run because the host's shell ended during an earlier one.
	ErrNotRun = errors.New("not run: the shell ended during an earlier command")
)

// CommandError is the error of one command of RunCommands on one host.
type CommandError struct {
	Host    string // the host as given
	Index   int    // the command's position in the list
	Command string
	Err     error // ErrShellEnded or ErrNotRun
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s: command %d (%q): %v", e.Host, e.Index, e.Command, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Errors a TransferError may match with errors.Is, besides fs.ErrNotExist,
// fs.ErrPermission and ErrConnectionLost.
var (
	// ErrNoSpace: the destination's file system is full (or the quota is
	// reached). OpenSSH's SFTP server reports a full disk only as a
	// generic failure, so over SFTP this is recognised only from servers
	// that send the SFTPv5+ "no space" status; locally and over SCP it is.
	ErrNoSpace = errors.New("no space left on device")
	// ErrSizeMismatch: a file's size after the transfer is not the size
	// sent, or the source changed while it was read. The file was not
	// renamed into place.
	ErrSizeMismatch = errors.New("size after transfer differs from the size sent")
	// ErrNotRegular: a special file (device, FIFO, socket), a symbolic link
	// to a directory, or a dangling symbolic link in a tree being copied.
	// It is not copied; see CopyOptions.SkipSpecial.
	ErrNotRegular = errors.New("not a regular file or directory")
	// ErrIsDir: the source is a directory and CopyOptions.Recursive is not
	// set.
	ErrIsDir = errors.New("is a directory (set Recursive to copy it)")
)

// TransferError is one host's failure to copy a file: it names the host,
// the path (remote unless Local) and the operation, and wraps the cause.
//
// errors.Is matches fs.ErrNotExist (no such file or directory),
// fs.ErrPermission (permission denied), ErrNoSpace (disk full),
// ErrConnectionLost (the connection died during the transfer),
// ErrSizeMismatch, ErrNotRegular and ErrIsDir.
type TransferError struct {
	Host  string // the host as given in the host list
	Path  string // the file or directory the error is about
	Local bool   // Path is on the local machine (else on the host)
	Op    string // "stat", "open", "create", "mkdir", "read", "write", "chmod", "chtimes", "rename", "skip", "sftp", "scp"
	Err   error
}

func (e *TransferError) Error() string {
	where := "remote"
	if e.Local {
		where = "local"
	}
	return fmt.Sprintf("%s: %s %s %s: %s", e.Host, e.Op, where, e.Path, causeText(e.Err))
}

func (e *TransferError) Unwrap() error { return e.Err }

// Is matches the SFTP status codes and errno values that have no
// fs.ErrXxx of their own.
func (e *TransferError) Is(target error) bool {
	var st *sftp.StatusError
	hasStatus := errors.As(e.Err, &st)
	switch target {
	case ErrNoSpace:
		return errors.Is(e.Err, syscall.ENOSPC) || errors.Is(e.Err, syscall.EDQUOT) ||
			hasStatus && (st.Code == sshFxNoSpaceOnFilesystem || st.Code == sshFxQuotaExceeded)
	case fs.ErrNotExist:
		return hasStatus && st.Code == sshFxNoSuchFile
	case fs.ErrPermission:
		return hasStatus && st.Code == sshFxPermissionDenied
	case ErrConnectionLost:
		return errors.Is(e.Err, sftp.ErrSSHFxConnectionLost)
	}
	return false
}

// SFTP status codes (draft-ietf-secsh-filexfer).
const (
	sshFxNoSuchFile          = 2
	sshFxPermissionDenied    = 3
	sshFxNoSpaceOnFilesystem = 14
	sshFxQuotaExceeded       = 15
)

// toAddr is " PREP ADDR" (" to 10.0.0.1:22"), or "" when the host as
// given already says ADDR: an error text names the host once.
func toAddr(prep, host, addr string) string {
	if spec, err := hostspec.Parse(host); err == nil && hostspec.Addr(spec.Host, cmp.Or(spec.Port, DefaultPort)) == addr {
		return ""
	}
	return " " + prep + " " + addr
}

// Why a rollout (RunOptions.Rollout) stopped, the Reason of a
// *RolloutStopError: match with errors.Is.
var (
	// ErrCanaryFailed: a host of the canary batch failed.
	ErrCanaryFailed = errors.New("canary failed")
	// ErrMaxFailReached: Rollout.MaxFail (or MaxFailPercent) hosts failed.
	ErrMaxFailReached = errors.New("max-fail reached")
	// ErrInvalidRollout: the Rollout's settings are out of range; Run
	// returns it, wrapped, before anything runs.
	ErrInvalidRollout = errors.New("invalid rollout")
)

// RolloutStopError says why a rollout stopped starting hosts. The hosts
// it never started carry it inside their *NotStartedError (so they
// classify as FailureNotStarted), and Batch.Stop reports it as the batch
// it stopped in ends.
type RolloutStopError struct {
	Reason error    // ErrCanaryFailed or ErrMaxFailReached
	Batch  int      // the batch it stopped in or after, from 1
	Limit  int      // the failure limit reached, with ErrMaxFailReached
	Failed []string // the hosts that had failed, in host-list order
}

func (e *RolloutStopError) Error() string {
	if errors.Is(e.Reason, ErrMaxFailReached) {
		return fmt.Sprintf("rollout stopped in batch %d: %v: %d hosts failed (limit %d): %s",
			e.Batch, e.Reason, len(e.Failed), e.Limit, abbreviate(e.Failed, 10))
	}
	return fmt.Sprintf("rollout stopped in batch %d: %v: %s", e.Batch, e.Reason, abbreviate(e.Failed, 10))
}

func (e *RolloutStopError) Unwrap() error { return e.Reason }

// RemoteError is a host's error as a worker of package cluster reported it:
// the host ran on another machine, and its error came back as its text and
// classification. Classify returns Kind. The types whose fields a caller
// acts on (*TimeoutError, *ConnectionError, *SessionError,
// *NotStartedError, ...) come back as themselves, wrapping a RemoteError as
// their cause.
type RemoteError struct {
	Host    string      // the host as given
	Kind    FailureKind // Classify's kind of the error on the worker
	Errno   uintptr     // the system error number the error wrapped (ECONNREFUSED...), 0 if none
	Message string      // the error's text on the worker
}

func (e *RemoteError) Error() string { return e.Message }

// Is matches the system error the worker's error wrapped (errors.Is(err,
// syscall.ECONNREFUSED)), and context.Canceled for an interrupted host.
func (e *RemoteError) Is(target error) bool {
	if errno, ok := target.(syscall.Errno); ok {
		return e.Errno != 0 && uintptr(errno) == e.Errno
	}
	return target == context.Canceled && e.Kind == FailureInterrupted
}

// WorkerLostError is the error of a host whose worker (package cluster)
// went silent after starting it: the worker died, or lost the bus, while
// the command ran. Whether the command ran to its end is unknown; the
// output received before is kept. The host is not run again.
type WorkerLostError struct {
	Host   string // the host as given
	Worker string // the worker's name
}

func (e *WorkerLostError) Error() string {
	return fmt.Sprintf("%s: worker %s was lost while the command ran (its fate is unknown)", e.Host, e.Worker)
}

// ErrNoWorker is wrapped by the NotStartedError of a host that no worker
// of its site took up in time (package cluster, Options.StartTimeout).
var ErrNoWorker = errors.New("no worker of the host's site took the run")

// ControlError says why a host was not connected through the control
// master at Path (Config.ControlPath), but directly: given to
// Config.ControlWarning.
type ControlError struct {
	Path string
	Host string // the host as given in the host list
	Err  error  // ErrControlRefused, or why the master could not be reached
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("control master %s: %s: %v; connecting directly", e.Path, e.Host, e.Err)
}

func (e *ControlError) Unwrap() error { return e.Err }

// ErrControlRefused is a control master's refusal to serve a host: it was
// started with other credentials for it (user, keys, known_hosts policy),
// or it belongs to another user.
var ErrControlRefused = errors.New("the control master refused: it holds other credentials for this host, or belongs to another user")
