package pssh

import (
	"context"
	"io"
	"log/slog"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults used where a Config field is left at its zero value.
const (
	// DefaultPoolSize is chosen by BenchmarkFleetLatency: at 100 ms RTT a
	// cold host takes about 8 round trips, so a pool of 1024 keeps a
	// 2-core client busy, where 100 leaves it waiting on the network
	// (see the README's "Choosing -p"). With Config.CloseConnections New
	// lowers it until that many connections fit in three quarters of the
	// hard open file limit.
	DefaultPoolSize          = 1024
	DefaultConnectTimeout    = 10 * time.Second
	DefaultHandshakeTimeout  = time.Minute
	DefaultRetryDelay        = 5 * time.Second
	DefaultOutputMemoryLimit = 1 << 20
	DefaultOutputMemoryTotal = 32 << 20
	DefaultPort              = 22
	DefaultKeepaliveInterval = 15 * time.Second
	DefaultKeepaliveCountMax = 3
)

// Config holds client-wide settings. The zero value is usable: the current
// user, port 22, the SSH agent and the default identity files, host keys
// checked against ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts (a host
// not there is refused), and ~/.ssh/config and /etc/ssh/ssh_config applied
// to each host below the fields set here.
type Config struct {
	User     string // remote user; default: the current local user
	Port     int    // default 22
	Password string // offered by keyboard-interactive and password authentication

	// KeyFile is a private key file; Key holds private key bytes (PEM or
	// OpenSSH format). Either replaces the default identity files.
	// Passphrase decrypts them, and the default identity files.
	KeyFile    string
	Key        []byte
	Passphrase []byte
	// CertFile is an OpenSSH user certificate for KeyFile or Key, offered
	// before the plain key. Default: KeyFile+"-cert.pub" when it exists
	// (and "~/.ssh/id_ed25519-cert.pub" and so on beside default keys).
	CertFile string

	// Key files owned by the current user that group or others may read are
	// refused, as OpenSSH refuses them: New fails for KeyFile, and a
	// default identity file is skipped (AuthenticationError.Skipped says
	// why). Fix with chmod 600 FILE.

	NoAgent       bool   // do not use the SSH agent (used by default when SSH_AUTH_SOCK is set)
	AgentSocket   string // agent socket; default $SSH_AUTH_SOCK
	NoDefaultKeys bool   // do not try ~/.ssh/id_ed25519, id_ecdsa, id_rsa when no key is given
	// ForwardAgent forwards the agent (AgentSocket, default
	// $SSH_AUTH_SOCK) to every host, as ssh -A: each session may use it
	// through SSH_AUTH_SOCK on the host. Only forward to hosts you trust:
	// their root can use your keys while connected. Forwarding uses the
	// client's one agent connection, and works with NoAgent too (which
	// only stops offering the agent's keys for login). Without an agent
	// nothing is forwarded; a server that refuses forwarding
	// (AllowAgentForwarding no) runs the command without it, as ssh -A.
	ForwardAgent bool

	// ProxyJump reaches every host through jump hosts, in OpenSSH's
	// syntax: "[user@]host[:port]", or several separated by commas, each
	// reached through the ones before it; "none" means direct. Jump hosts
	// log in with the client's credentials (User, keys, agent, Password)
	// on port 22 unless given, and their host keys are checked as any
	// host's. Hosts behind the same chain share one connection to each
	// jump host, closed when the last of them closes.
	ProxyJump string
	// Proxy is one jump host with its own credentials, parallel-ssh's
	// proxy_host, proxy_port, proxy_user, proxy_password and proxy_pkey.
	// Shared as ProxyJump's hops are.
	Proxy *Proxy
	// ProxyCommand connects to each host by running this command with
	// "sh -c" and speaking SSH over its stdin and stdout, as OpenSSH's
	// ProxyCommand: %h is replaced by the host name, %p the port, %r the
	// remote user, %% by %. For example "nc %h %p" or
	// "ssh -W %h:%p jump". The command is killed when the connection
	// closes; if it fails, its stderr is in the error. "none" means
	// direct. It inherits the environment less PSSH_PASSWORD and
	// PSSH_PASSPHRASE, as every child pssh starts. At most one of
	// ProxyJump, Proxy and ProxyCommand may be set.
	ProxyCommand string

	// KnownHostsFiles are the known_hosts files host keys are checked
	// against; default OpenSSH's (see DefaultKnownHostsFiles). As OpenSSH
	// reads them, a missing file is empty and a line that cannot be used
	// is skipped with a Warning (Client.Warnings); a file that cannot be
	// read fails the hosts that use it. "none" names no file: a list of
	// only "none" reads none. Under HostKeyAcceptNew new keys are appended
	// to the first, which is created (mode 0600, its directory 0700) if
	// missing.
	KnownHostsFiles []string
	// HostKeyPolicy says what to do with a host not in known_hosts: refuse
	// it (HostKeyStrict, the default), trust it on first use
	// (HostKeyAcceptNew) or accept it unrecorded (HostKeyInsecureIgnore,
	// insecure). A changed or revoked key is refused under every policy.
	HostKeyPolicy HostKeyPolicy
	// HashKnownHosts writes the host names of new entries hashed, as
	// OpenSSH's HashKnownHosts.
	HashKnownHosts bool
	// HostKeyCallback, if set, replaces known_hosts checking, and
	// KnownHostsFiles, HostKeyPolicy and HashKnownHosts are ignored.
	HostKeyCallback ssh.HostKeyCallback

	// ConnectTimeout bounds the TCP connect (through the jump hosts or
	// proxy command, if any) and the wait for the server's SSH version
	// line, as OpenSSH's ConnectTimeout; default 10s. It also bounds each
	// answer to a session request (opening a session, starting the
	// command). HandshakeTimeout then bounds the key exchange, the host
	// key check and authentication together; default 1m (sshd gives a
	// client 2m to log in, its LoginGraceTime).
	ConnectTimeout   time.Duration
	HandshakeTimeout time.Duration
	Retries          int           // further connection attempts after a refused, reset or timed-out one; default 0
	RetryDelay       time.Duration // before the first retry, doubled for each further one (capped at 1m), with jitter; default 5s
	PoolSize         int           // hosts connected and started at once; default DefaultPoolSize (see FileLimit.PoolSize)

	// KeepaliveInterval is how often an idle or busy connection is checked
	// with a keepalive@openssh.com request (OpenSSH's ServerAliveInterval);
	// default 15s, negative to disable. After KeepaliveCountMax (default 3)
	// unanswered checks in a row the connection is closed as dead: its
	// commands end with ErrConnectionLost instead of waiting forever. As
	// OpenSSH, a check during which anything arrived on the connection is
	// not unanswered: its reply may wait behind output not yet read.
	KeepaliveInterval time.Duration
	KeepaliveCountMax int

	// SSHConfigFile is the OpenSSH client configuration to read, as ssh -F
	// (the system file is then not read). Default: ~/.ssh/config and
	// /etc/ssh/ssh_config, those that exist. Each host entry's host is
	// looked up as the alias; see the README for the keywords honoured and
	// the precedence. IgnoreSSHConfig reads none.
	SSHConfigFile   string
	IgnoreSSHConfig bool

	// AddressFamily restricts connections to IPv4 or IPv6; default either.
	AddressFamily AddressFamily

	// KeyExchanges, HostKeyAlgorithms, Ciphers and MACs are the
	// algorithms offered, most preferred first, as OpenSSH's
	// KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs, in their syntax:
	// the names replace the defaults, unless the first starts with '+'
	// (appended to the defaults), '-' (removed from them) or '^' (put
	// before them); an element may hold several names separated by commas,
	// and names may be patterns with '*' and '?'. For a server that offers
	// only SHA-1 host key signatures: HostKeyAlgorithms:
	// []string{"+ssh-rsa"}. Names x/crypto/ssh does not implement make New
	// fail. Unset, ssh_config's setting for the host applies, else the
	// defaults: DefaultKeyExchanges(), DefaultHostKeyAlgorithms(),
	// DefaultCiphers(), DefaultMACs(), what OpenSSH 9 offers (no SHA-1
	// signatures or key exchange, no 96-bit MACs, no CBC). A server with
	// nothing in common fails with a *ConnectionError wrapping an
	// *AlgorithmError that names what to allow. Strict key exchange (the
	// Terrapin countermeasure) is always on.
	//
	// The default key exchange, mlkem768x25519-sha256, is a hybrid
	// post-quantum exchange, the default of OpenSSH 9.9 and later: traffic
	// recorded today stays secret from a future quantum computer. It costs
	// about 0.2 ms more client CPU per connection than curve25519-sha256
	// alone; []string{"curve25519-sha256"} saves that against servers that
	// offer ML-KEM, giving up that protection. Servers without it (OpenSSH
	// before 9.9) negotiate curve25519-sha256 either way. The default
	// ciphers put AES-GCM first when the CPU has AES instructions,
	// ChaCha20-Poly1305 first otherwise. The host key algorithms of the
	// keys known_hosts has for a host are asked for first, among those
	// allowed.
	KeyExchanges      []string
	HostKeyAlgorithms []string
	Ciphers           []string
	MACs              []string

	// HostConfig, if not nil, has one entry per host, parallel to the host
	// list, overriding the client-wide settings for that host.
	HostConfig []HostConfig

	// MergeSameHosts makes entries of the host list that resolve to the
	// same host — the same user, address and port, reached the same way
	// (jump hosts, proxy command) — one host: New keeps the first,
	// Client.MergedHosts lists the others, and indexes (HostOutput.Index,
	// RunOptions.Hosts, HostArgs) are those of Client.Hosts. By default
	// every entry is a host of its own, as in parallel-ssh, duplicates
	// included. Either way HostOutput.Label tells the hosts apart: "web1",
	// "alice@web1" and "bob@web1" where only the user differs, "web1#2"
	// for the second of the same. The pssh command merges unless given
	// --allow-duplicates.
	MergeSameHosts bool

	// OutputMemoryLimit is how many bytes of unread output each stream of
	// each host keeps in memory; beyond it, output spills to an unlinked
	// temporary file in SpillDir (default os.TempDir()). Default 1 MiB.
	OutputMemoryLimit int
	// OutputMemoryTotal bounds the unread output that all hosts of the
	// client together keep in memory. Half of it is for the streams: past
	// it, a stream's further output spills to its file as past
	// OutputMemoryLimit (with BlockOnFullBuffer, waits for its reader; each
	// stream may still hold 32 KiB). The other half is for what the
	// connections received and the streams have not taken in yet, which
	// x/crypto/ssh would otherwise let grow to each session's 2 MiB window
	// when the client falls behind its hosts: past a connection's share
	// (at least 36 KiB), it is not read until its streams catch up, and the
	// host waits (not with BlockOnFullBuffer, not for hosts behind a jump
	// host, whose data waits in the jump connection, nor while a copy or a
	// port forward uses the connection). Default 32 MiB
	// (DefaultOutputMemoryTotal); negative for no bound but
	// OutputMemoryLimit.
	OutputMemoryTotal int64
	// RunMemoryLimit is the memory, in bytes, that the client's running
	// commands may take beyond what the process used when the first of
	// them started, enforced as a soft memory limit for the whole process
	// (the one GOMEMLIMIT sets; see runtime/debug.SetMemoryLimit) while
	// they run, so that the collector runs before the heap doubles: every
	// SSH packet is a fresh allocation, and a thousand hosts streaming into
	// one process would otherwise hold about twice the memory they need.
	// The client sets the limit only if the process has none of its own
	// (GOMEMLIMIT unset, no debug.SetMemoryLimit call), never overrides one
	// set meanwhile, never holds it below the live heap and stacks plus a
	// quarter (at least 16 MiB more), and removes it once its last command
	// ended. 0: twice OutputMemoryTotal and 128 KiB per connection (one per
	// host; with CloseConnections, PoolSize at most), nothing when
	// OutputMemoryTotal is negative or with BlockOnFullBuffer; negative:
	// never set a limit.
	RunMemoryLimit int64
	SpillDir       string
	// BlockOnFullBuffer, instead of spilling, stops reading from a host
	// whose unread output reached OutputMemoryLimit: the SSH window then
	// holds the remote command back until the caller reads. Read stdout and
	// stderr concurrently in this mode, or a command that fills the one
	// while the caller waits on the other stalls.
	BlockOnFullBuffer bool

	// CloseConnections closes each host's connection as soon as nothing of
	// this client uses it any more (its command or shell has ended, its
	// copy or port forward is done), instead of keeping it for the next
	// call, which then connects again. Use it when each host runs once, and
	// hosts run a few at a time (RunOptions.Hosts, as slots free up: the
	// pssh command does so): the client then holds about PoolSize
	// connections, and their descriptors, at a time, rather than one per
	// host until Close, and New sizes the open file limit for PoolSize
	// connections, not for every host.
	CloseConnections bool

	// HostLogger receives every line read through Stream.Lines (and by
	// Join with ConsumeOutput) as "[host]\tline", or "[host stderr]\tline".
	HostLogger io.Writer
	// HostLogHandler receives the same lines as slog records whose message
	// is the line, with "host" and "stream" attributes.
	HostLogHandler slog.Handler

	// Dial opens the transport to a host; default a net.Dialer. Use it for
	// custom networks; its address is host:port.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// ControlPath, if set, is the Unix socket of a control master
	// ([Client.ServeControl]) to connect each host through: the host's
	// connection is then the master's, already made, and a command costs
	// two round trips instead of a handshake. A host the master cannot
	// serve (no master listening, or one started with other credentials
	// for the host) is connected directly, after one call of
	// ControlWarning. [DefaultControlPath] is the usual place.
	ControlPath string
	// ControlWarning, if set, is called once with a *ControlError the
	// first time a host is connected directly because the master at
	// ControlPath could not serve it.
	ControlWarning func(error)
}

// AddressFamily says which IP versions connections may use.
type AddressFamily int

// The address families, as OpenSSH's AddressFamily option.
const (
	AnyAddress AddressFamily = iota // IPv4 or IPv6
	IPv4Only                        // "inet"
	IPv6Only                        // "inet6"
)

// network returns the dial network for the family.
func (f AddressFamily) network() string {
	switch f {
	case IPv4Only:
		return "tcp4"
	case IPv6Only:
		return "tcp6"
	}
	return "tcp"
}

// HostConfig overrides the client-wide settings for one host (parallel-ssh's
// host_config). Zero fields keep the client's value.
type HostConfig struct {
	User       string
	Port       int
	Password   string
	KeyFile    string
	Key        []byte
	Passphrase []byte
	Alias      string // a name for the host in outputs and logs

	// HostName is the address to connect to instead of the entry's host
	// name, as ssh_config's HostName and Ansible's ansible_host: the entry
	// stays the host's name in outputs, and ssh_config and known_hosts
	// are looked up for the address (as Ansible runs "ssh ADDRESS").
	HostName string

	ForwardAgent bool // forward the agent to this host (false keeps the client's setting)

	// ProxyJump, Proxy and ProxyCommand replace the client's route for
	// this host when any is set ("none" for direct); at most one may be.
	ProxyJump    string
	Proxy        *Proxy
	ProxyCommand string
}

// Proxy is one jump host with its own credentials: parallel-ssh's proxy
// settings. Its fields map to parallel-ssh's as Host = proxy_host, Port =
// proxy_port, User = proxy_user, Password = proxy_password, and KeyFile or
// Key = proxy_pkey (a path or the key's bytes). Zero fields take the
// client's values: Config.User, port 22, and the client's credentials
// when none of Password, KeyFile and Key is given. The proxy's host key is
// checked as any host's (Config.KnownHostsFiles, HostKeyPolicy,
// HostKeyCallback).
type Proxy struct {
	Host       string
	Port       int
	User       string
	Password   string
	KeyFile    string
	Key        []byte
	Passphrase []byte // decrypts KeyFile or Key
}
