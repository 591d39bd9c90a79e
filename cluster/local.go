package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/ssh"
)

// Environment variables that pssh and pssh worker read, as StartLocal
// writes them to DIR/env.
const (
	EnvNATS    = "PSSH_NATS"               // the NATS URLs (--nats)
	EnvCreds   = "PSSH_NATS_CREDS"         // the credentials file (--creds)
	EnvTrusted = "PSSH_TRUSTED_SUBMITTERS" // the trusted-submitters file (--trusted-submitters)
)

// Local is an embedded NATS server with JetStream, listening on
// 127.0.0.1 only, that admits only the holder of its generated nkey.
type Local struct {
	URL         string // nats://127.0.0.1:PORT
	Dir         string
	CredsFile   string // Dir/user.nk: the nkey seed that logs in
	TrustedFile string // Dir/trusted_submitters
	EnvFile     string // Dir/env

	srv *server.Server
}

// StartLocal starts an embedded server keeping its state in dir (made if
// missing), on 127.0.0.1:port (0: a free port), with a new user nkey
// written to dir/user.nk (mode 0600), and trusted, the submitters' keys
// that local workers trust, written to dir/trusted_submitters. It writes
// dir/env, shell assignments of PSSH_NATS, PSSH_NATS_CREDS and
// PSSH_TRUSTED_SUBMITTERS.
func StartLocal(dir string, port int, trusted ...ssh.PublicKey) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &Local{Dir: dir, CredsFile: filepath.Join(dir, "user.nk"), TrustedFile: filepath.Join(dir, "trusted_submitters"), EnvFile: filepath.Join(dir, "env")}
	user, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	seed, err := user.Seed()
	if err != nil {
		return nil, err
	}
	pub, err := user.PublicKey()
	if err != nil {
		return nil, err
	}
	if err := writeFile(l.CredsFile, append(seed, '\n'), 0o600); err != nil {
		return nil, err
	}
	var keys []byte
	for _, k := range trusted {
		keys = append(keys, ssh.MarshalAuthorizedKey(k)...)
	}
	if err := writeFile(l.TrustedFile, keys, 0o644); err != nil {
		return nil, err
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "pssh-local",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		Nkeys:      []*server.NkeyUser{{Nkey: pub}},
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("nats server: not ready after 10s")
	}
	l.srv, l.URL = srv, srv.ClientURL()
	env := fmt.Sprintf("%s=%s\n%s=%s\n%s=%s\n", EnvNATS, shellQuote(l.URL), EnvCreds, shellQuote(l.CredsFile), EnvTrusted, shellQuote(l.TrustedFile))
	if err := writeFile(l.EnvFile, []byte(env), 0o644); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Close stops the server.
func (l *Local) Close() {
	l.srv.Shutdown()
	l.srv.WaitForShutdown()
}

// ConnectOptions are those that log in to the server.
func (l *Local) ConnectOptions() ConnectOptions { return ConnectOptions{Creds: l.CredsFile} }

// writeFile writes data to path, replacing it, with mode perm.
func writeFile(path string, data []byte, perm os.FileMode) error {
	os.Remove(path)
	if err := os.WriteFile(path, data, perm); err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
