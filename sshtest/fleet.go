package sshtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Fleet is a set of servers started together by [NewFleet], standing in for
// many remote hosts.
type Fleet struct {
	// Servers are the fleet's servers, in creation order.
	Servers []*Server
}

// NewFleet starts n servers with the same cfg. Server i listens on
// 127.0.0.(i%254+1), so the servers are spread over 127.0.0.1 to
// 127.0.0.254, each on its own free port. All servers share one host key
// (cfg.HostKey, or one generated once if nil) and one client key
// (cfg.ClientKey, likewise), so that even a fleet of thousands starts fast
// and one key logs in to all of them (see [Fleet.ClientConfig]). If any
// server fails to start, the ones already started are closed and the error
// is returned.
func NewFleet(n int, cfg Config) (*Fleet, error) {
	return NewFleetFunc(n, func(int) Config { return cfg })
}

// NewFleetFunc is [NewFleet] with a Config of its own for each server:
// server i is started with config(i), so that hosts can differ in their
// [Faults], their [Handler] or their users. Servers whose Config has no
// HostKey share one generated once (one per type: see
// Config.HostKeyAlgorithms), and likewise for ClientKey.
func NewFleetFunc(n int, config func(i int) Config) (*Fleet, error) {
	if n < 0 {
		return nil, fmt.Errorf("sshtest: negative fleet size %d", n)
	}
	shared := map[string]ssh.Signer{} // by key type
	var sharedClient *Key
	f := &Fleet{Servers: make([]*Server, 0, n)}
	for i := range n {
		cfg := config(i)
		if cfg.HostKey == nil {
			keyType := defaultHostKeyType(&cfg)
			if shared[keyType] == nil {
				k, err := GenerateKeyType(keyType)
				if err != nil {
					f.Close()
					return nil, err
				}
				shared[keyType] = k.Signer
			}
			cfg.HostKey = shared[keyType]
		}
		if cfg.ClientKey == nil {
			if sharedClient == nil {
				k, err := GenerateKey()
				if err != nil {
					f.Close()
					return nil, err
				}
				sharedClient = k
			}
			cfg.ClientKey = sharedClient
		}
		host := "127.0.0." + strconv.Itoa(i%254+1)
		srv, err := NewServerAt(net.JoinHostPort(host, "0"), cfg)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("sshtest: starting fleet server %d: %w", i, err)
		}
		f.Servers = append(f.Servers, srv)
	}
	return f, nil
}

// Addrs returns the "host:port" address of each server, in order.
func (f *Fleet) Addrs() []string {
	addrs := make([]string, len(f.Servers))
	for i, s := range f.Servers {
		addrs[i] = s.Addr
	}
	return addrs
}

// Close closes all servers concurrently and returns their errors joined.
func (f *Fleet) Close() error {
	errs := make([]error, len(f.Servers))
	var wg sync.WaitGroup
	for i, s := range f.Servers {
		wg.Go(func() { errs[i] = s.Close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// KnownHosts returns known_hosts content with one line per server, each
// ending in a newline. Write it to a file for knownhosts.New or ssh -o
// UserKnownHostsFile.
func (f *Fleet) KnownHosts() []byte {
	var b bytes.Buffer
	for _, s := range f.Servers {
		b.WriteString(s.KnownHostsLine())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// HostKeyCallback returns a host key callback for ssh.ClientConfig that
// accepts each server's host key for that server's address only. The
// address is looked up by the hostname passed to ssh.Dial, or else by the
// remote address.
func (f *Fleet) HostKeyCallback() ssh.HostKeyCallback {
	keys := make(map[string][]byte, len(f.Servers))
	for _, s := range f.Servers {
		keys[knownhosts.Normalize(s.Addr)] = s.HostKey.Marshal()
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		want, ok := keys[knownhosts.Normalize(hostname)]
		if !ok && remote != nil {
			want, ok = keys[knownhosts.Normalize(remote.String())]
		}
		if !ok {
			return fmt.Errorf("sshtest: %s is not a server of this fleet", hostname)
		}
		if !bytes.Equal(want, key.Marshal()) {
			return fmt.Errorf("sshtest: host key mismatch for %s", hostname)
		}
		return nil
	}
}
