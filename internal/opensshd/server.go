package opensshd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/internal/childenv"
)

const (
	// startAttempts bounds how often Start picks a new port after losing
	// the one it chose to another process.
	startAttempts = 5
	// privsepDir is the privilege separation directory sshd requires.
	privsepDir = "/run/sshd"
)

// Server is a running sshd started by [Start]. Its fields describe it and
// must not be changed. Call [Server.Close] to stop it.
type Server struct {
	// Addrs holds "IP:PORT" ("[::1]:PORT" for IPv6) for each listen
	// address, in the order of Options.Addrs.
	Addrs []string
	// Port is the TCP port sshd listens on at every address.
	Port int
	// Dir is the temporary directory holding sshd_config, the keys, the
	// known_hosts file and sshd's log. Close removes it.
	Dir string
	// HostKey is the server's ed25519 host key.
	HostKey ssh.PublicKey
	// ClientKeyFile is an unencrypted ed25519 private key file (mode
	// 0600, in OpenSSH format; its public half is ClientKeyFile+".pub")
	// that may log in as any user.
	ClientKeyFile string
	// ClientSigner is the key in ClientKeyFile.
	ClientSigner ssh.Signer
	// KnownHostsFile is a known_hosts file with a line for every address,
	// such as "[127.0.0.1]:PORT ssh-ed25519 AAAA...".
	KnownHostsFile string
	// User is the name of the user running this process, whom tests log
	// in as by default.
	User string

	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when sshd has exited and been reaped

	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	closed   bool   // Dir has been removed
	finalLog string // the log as it was when Dir was removed
}

// Start starts a private sshd listening on opts.Addrs, as
// "sshd -D -e -f Dir/sshd_config", and waits until it answers on every
// address (for at most 10 seconds). sshd runs in its own process group.
//
// When sshd exits or never becomes ready, the error quotes the end of its
// log. When opts.Port is 0 and the port picked turns out to be taken, Start
// tries again with another port.
func Start(opts Options) (*Server, error) {
	ips, err := opts.listenIPs()
	if err != nil {
		return nil, err
	}
	path, err := SSHDPath()
	if err != nil {
		return nil, err
	}
	version := detectVersion(path)
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(ips); err != nil {
				return nil, err
			}
		}
		s, err := start(path, version, opts, ips, port)
		if err == nil {
			return s, nil
		}
		if opts.Port != 0 || !errors.Is(err, errPortInUse) || attempt == startAttempts {
			return nil, err
		}
	}
}

// start makes one attempt at starting sshd on port.
func start(path string, version sshdVersion, opts Options, ips []string, port int) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "pssh-sshd-")
	if err != nil {
		return nil, fmt.Errorf("opensshd: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	// sshd reads AuthorizedKeysFile as the user logging in, who may be
	// someone else (TestUser): the directory must be searchable by all.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("opensshd: %w", err)
	}

	s := &Server{
		Port:           port,
		Dir:            dir,
		ClientKeyFile:  filepath.Join(dir, "id_ed25519"),
		KnownHostsFile: filepath.Join(dir, "known_hosts"),
		User:           currentUser(),
		logPath:        filepath.Join(dir, "sshd.log"),
		exited:         make(chan struct{}),
	}
	for _, ip := range ips {
		s.Addrs = append(s.Addrs, net.JoinHostPort(ip, strconv.Itoa(port)))
	}

	hostKey, err := newKeyPair()
	if err != nil {
		return nil, err
	}
	hostKeyFile := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := hostKey.writePrivate(hostKeyFile, "opensshd-host"); err != nil {
		return nil, err
	}
	s.HostKey = hostKey.signer.PublicKey()

	clientKey, err := newKeyPair()
	if err != nil {
		return nil, err
	}
	if err := clientKey.writePrivate(s.ClientKeyFile, "opensshd-client"); err != nil {
		return nil, err
	}
	s.ClientSigner = clientKey.signer

	authorizedKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorizedKeys, ssh.MarshalAuthorizedKey(clientKey.signer.PublicKey()), 0o644); err != nil {
		return nil, fmt.Errorf("opensshd: %w", err)
	}
	if err := writeKnownHosts(s.KnownHostsFile, s.Addrs, s.HostKey); err != nil {
		return nil, err
	}

	cfg := sshdConfig{
		listen:             s.Addrs,
		hostKeyFile:        hostKeyFile,
		authorizedKeysFile: authorizedKeys,
		pidFile:            filepath.Join(dir, "sshd.pid"),
		password:           opts.Password,
		noAcceptEnv:        opts.NoAcceptEnv,
		version:            version,
		extra:              opts.ExtraConfig,
	}
	cfgFile := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgFile, []byte(cfg.render()), 0o644); err != nil {
		return nil, fmt.Errorf("opensshd: %w", err)
	}

	if os.Geteuid() == 0 {
		if err := os.MkdirAll(privsepDir, 0o755); err != nil {
			return nil, fmt.Errorf("opensshd: creating sshd's privilege separation directory: %w", err)
		}
	}

	if err := s.run(path, cfgFile); err != nil {
		return nil, err
	}
	if err := waitReady(s.Addrs, s.exited); err != nil {
		return nil, s.fail(err)
	}
	// Once every address answers, sshd has tried all its binds: one that
	// failed means some other process answered on that address.
	if err := bindError(s.Log()); err != nil {
		return nil, s.fail(err)
	}
	return s, nil
}

// run starts sshd with its output going to the log file.
func (s *Server) run(path, cfgFile string) error {
	logFile, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opensshd: %w", err)
	}
	defer logFile.Close()
	// sshd re-executes itself and so needs its absolute path.
	s.cmd = childenv.Command(path, "-D", "-e", "-f", cfgFile)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	setProcessGroup(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("opensshd: starting %s: %w", path, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// fail stops the half-started server and returns cause with the end of
// sshd's log.
func (s *Server) fail(cause error) error {
	killProcessTree(s.cmd.Process)
	<-s.exited
	log := s.Log()
	if be := bindError(log); be != nil && !errors.Is(cause, errPortInUse) {
		cause = fmt.Errorf("%w (%w)", cause, be)
	}
	return fmt.Errorf("opensshd: %w\nsshd log:\n%s", cause, tail(log, logTailLines))
}

// bindError finds in sshd's log a listen address it could not bind.
func bindError(log string) error {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "Bind to port") && strings.Contains(line, "failed") {
			if strings.Contains(line, "Address already in use") {
				return fmt.Errorf("%w: %s", errPortInUse, strings.TrimSpace(line))
			}
			return errors.New(strings.TrimSpace(line))
		}
	}
	return nil
}

// Close stops sshd, its connection handlers and their sessions, and
// removes Dir. The log stays available through [Server.Log]. Close is
// idempotent; later calls return the first call's result.
func (s *Server) Close() error {
	if s == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		killProcessTree(s.cmd.Process)
		<-s.exited
		log := s.readLog()
		s.mu.Lock()
		s.closed = true
		s.finalLog = log
		s.mu.Unlock()
		if err := os.RemoveAll(s.Dir); err != nil {
			s.closeErr = fmt.Errorf("opensshd: %w", err)
		}
	})
	return s.closeErr
}

// Log returns what sshd has logged so far (everything, after Close). It is
// meant for failure messages.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.finalLog
	}
	return s.readLog()
}

// readLog reads the log file.
func (s *Server) readLog() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read sshd log: %v)", err)
	}
	return string(data)
}

// HostKeyCallback returns a callback that accepts exactly the server's host
// key, whatever host name or address was dialled.
func (s *Server) HostKeyCallback() ssh.HostKeyCallback {
	return ssh.FixedHostKey(s.HostKey)
}

// currentUser returns the name of the user running this process.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return strconv.Itoa(os.Getuid())
}

// Children returns how many processes run under sshd's listener: the
// handlers of open or closing connections and the sessions under them. It
// is 0 when the server is idle (a benchmark waits for that between runs).
// Outside Linux it always returns 0.
func (s *Server) Children() int {
	select {
	case <-s.exited:
		return 0
	default:
	}
	return len(descendants(s.cmd.Process.Pid))
}
