package pssh

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"sync"

	"github.com/gopssh/pssh/internal/flow"
	"github.com/gopssh/pssh/internal/knownhosts"
	"github.com/gopssh/pssh/internal/memlimit"
	"github.com/gopssh/pssh/internal/spool"
	"github.com/gopssh/pssh/internal/sshauth"
	"github.com/gopssh/pssh/internal/sshconfig"
)

// Client runs commands on a list of hosts. It keeps one connection per host
// entry open between runs (unless Config.CloseConnections); Close closes
// them. A Client is safe for concurrent use.
type Client struct {
	cfg       Config // with the defaults filled in
	explicit  Config // as the caller gave it
	hosts     []*host
	hostLog   *hostLog
	sshConfig *sshconfig.Config // nil when ignored
	auth      *sshauth.Set      // the client-wide credentials
	route     route             // the client-wide jump hosts or proxy command
	dialer    *dialer           // opens the hosts' connections
	algos     algorithms        // the algorithms offered, unless ssh_config sets a host's
	merged    []MergedHost      // the entries merged into an earlier one

	// Shared by the hosts: the sshauth Sets by credentials, the root Set of
	// each agent socket, the known_hosts DBs by policy and files, and the
	// known_hosts files as read.
	authSets   map[string]*sshauth.Set
	agents     map[string]*sshauth.Set
	knownDBs   map[string]*knownhosts.DB
	knownFiles *knownhosts.Store
	// credIDs names each sshauth Set and known_hosts DB by the settings
	// it was made from, for the hosts' credentials (see credentials).
	credIDs map[any]string

	warnMu   sync.Mutex
	warnings []Warning

	fileLimit FileLimit // the open file limit as New left it

	// closing ends when Close is called, and with it every host's context
	// (see hostContext).
	closing   context.Context
	closeRuns context.CancelFunc

	// outputBudget is the memory all hosts' unread output may take
	// (Config.OutputMemoryTotal); nil for no bound.
	outputBudget *spool.Budget
	// memLimit is the process's soft memory limit while commands run
	// (Config.RunMemoryLimit); nil for none.
	memLimit *memlimit.Limiter

	mu       sync.Mutex
	last     []*HostOutput
	forwards map[*Forward]struct{} // running port forwards
}

// New returns a client for hosts, each "[user@]host[:port]" (IPv6 as
// "[::1]:22" or bare "::1"). An entry with host ranges is expanded in place
// as package hostlist reads it: "web[01-20].example.com", "db[1-3,7]",
// "root@rack[1-2]-n[1-4]:2222", "web[1-9],!web5". A host may appear several times: each
// appearance has its own connection and its own output. Client.Hosts,
// HostOutput.Index, RunOptions.HostArgs and the other per-host lists follow
// the expanded list; Config.HostConfig follows the entries as given, each
// entry's going to every host it expands to. cfg may be nil. Nothing is
// connected until the first Run.
func New(hosts []string, cfg *Config) (*Client, error) {
	c := &Client{}
	c.closing, c.closeRuns = context.WithCancel(context.Background())
	if cfg != nil {
		c.cfg = *cfg
	}
	c.dialer = &dialer{cfg: &c.cfg, fileLimit: &c.fileLimit}
	c.explicit = c.cfg
	cfg = &c.cfg
	if cfg.HostConfig != nil && len(cfg.HostConfig) != len(hosts) {
		return nil, fmt.Errorf("pssh: %d host configs for %d hosts: HostConfig must have one entry per host", len(cfg.HostConfig), len(hosts))
	}
	defaultPool := cfg.PoolSize <= 0
	if defaultPool {
		cfg.PoolSize = DefaultPoolSize // lowered below if need be
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.OutputMemoryLimit <= 0 {
		cfg.OutputMemoryLimit = DefaultOutputMemoryLimit
	}
	if cfg.OutputMemoryTotal == 0 {
		cfg.OutputMemoryTotal = DefaultOutputMemoryTotal
	}
	if cfg.OutputMemoryTotal > 0 {
		// Half for the streams' buffers, half for what the connections
		// received and the streams have not taken yet.
		c.outputBudget = spool.NewBudget(cfg.OutputMemoryTotal / 2)
		if !cfg.BlockOnFullBuffer {
			c.dialer.flow = flow.NewBudget(cfg.OutputMemoryTotal / 2)
		}
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.User == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("pssh: no user given and the current user is unknown: %w", err)
		}
		cfg.User = u.Username
	}
	var err error
	if c.algos, err = resolveAlgorithms(cfg); err != nil {
		return nil, err
	}
	if c.sshConfig, err = loadSSHConfig(cfg); err != nil {
		return nil, err
	}
	c.authSets = map[string]*sshauth.Set{}
	c.agents = map[string]*sshauth.Set{}
	c.knownDBs = map[string]*knownhosts.DB{}
	c.credIDs = map[any]string{}
	c.hostLog = newHostLog(cfg.HostLogger, cfg.HostLogHandler)
	c.knownFiles = &knownhosts.Store{Warn: func(w knownhosts.Warning) {
		c.warn(Warning{File: w.File, Line: w.Line, Text: w.Text})
	}}
	// The client-wide credentials, checked here whatever the hosts use.
	if c.auth, err = c.authSet(authOptions(cfg, cfg.Password, cfg.KeyFile, cfg.Key, cfg.Passphrase, cfg.CertFile)); err != nil {
		c.closeAuth()
		return nil, fmt.Errorf("pssh: %w", err)
	}
	if c.route, err = c.parseRoute(cfg.ProxyJump, cfg.Proxy, cfg.ProxyCommand); err != nil {
		c.closeAuth()
		return nil, fmt.Errorf("pssh: %w", err)
	}
	entries, configs, err := expandHosts(hosts, cfg.HostConfig)
	if err != nil {
		c.closeAuth()
		return nil, err
	}
	for i, entry := range entries {
		h, err := c.newHost(i, entry, configs[i])
		if err != nil {
			c.closeAuth()
			return nil, err
		}
		c.hosts = append(c.hosts, h)
	}
	if cfg.MergeSameHosts {
		c.hosts = c.mergeSameHosts(c.hosts)
	}
	setLabels(c.hosts)
	if defaultPool {
		c.defaultPoolSize()
	}
	c.memLimit = c.newMemLimit() // after the pool size it counts
	c.ensureFileLimit()
	return c, nil
}

// spoolOptions are how the client keeps each stream's unread output.
func (c *Client) spoolOptions() spool.Options {
	return spool.Options{Limit: c.cfg.OutputMemoryLimit, Dir: c.cfg.SpillDir, Block: c.cfg.BlockOnFullBuffer, Budget: c.outputBudget}
}

// Hosts returns the host list as given to New, host ranges expanded, less
// the entries merged into an earlier one (see MergedHosts).
func (c *Client) Hosts() []string {
	out := make([]string, len(c.hosts))
	for i, h := range c.hosts {
		out[i] = h.name
	}
	return out
}

// LastOutput returns the outputs of the last Run (parallel-ssh's
// get_last_output), or nil before the first.
func (c *Client) LastOutput() []*HostOutput {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Close stops the port forwards, closes every connection, ending the
// commands still running, and the agent connection. A host still running
// is stopped as when Run's ctx ends, and fails with a *SessionError
// ("client closed"); reads of its output, Wait and Join return within 3
// seconds whatever its server does.
func (c *Client) Close() error {
	c.closeRuns()
	c.closeForwards()
	var errs []error
	for _, h := range c.hosts {
		if err := h.conn.close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.dialer.closeControl()
	c.closeAuth()
	return errors.Join(errs...)
}

// closeAuth closes the agent connections.
func (c *Client) closeAuth() {
	for _, a := range c.agents {
		a.Close()
	}
}
