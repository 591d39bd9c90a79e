package sshtest

import (
	"maps"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"
)

// Config says how a [Server] behaves. The zero value accepts only the
// server's own client key, [Server.ClientKey]: set Password, Users,
// AuthorizedKeys or NoClientAuth to accept other clients too.
//
// A server copies its Config when it starts; changing the Config (or the
// map and slices it refers to) afterwards has no effect. Use
// [Server.SetFaults] to change faults at run time.
type Config struct {
	// Password, if non-empty, is accepted for any user, both by "password"
	// authentication and by "keyboard-interactive" authentication (which
	// asks the single question "Password: "). It is ignored if Users is set.
	Password string
	// Users, if non-empty, maps user names to passwords. Only these users
	// may then log in by password or keyboard-interactive, each with its own
	// password.
	Users map[string]string
	// AuthorizedKeys are public keys accepted for any user. Keys are
	// compared by their wire encoding (Marshal), so certificates are not
	// supported.
	AuthorizedKeys []ssh.PublicKey
	// ClientKey is a client key accepted for any user, in addition to
	// AuthorizedKeys, so that a test's own client can always log in
	// whatever else the Config accepts: [Server.ClientKey] returns it, and
	// Server.ClientConfig configures pssh clients with it. It needs both
	// Signer and PEM. If nil, a new ed25519 key is generated (one for all
	// the servers of a [Fleet]).
	ClientKey *Key
	// NoClientAuth accepts every client without authentication.
	NoClientAuth bool
	// HostKey is the server's host key. If nil, a new ed25519 key is
	// generated.
	HostKey ssh.Signer
	// HostKeys are further host keys, each of a type other than HostKey's
	// and of each other (a key of a type already served replaces that one).
	// The server then offers every type and the client picks one, as with
	// an sshd that has several HostKey lines. See [GenerateKeyType].
	HostKeys []ssh.Signer
	// KeyExchanges, Ciphers and MACs, if set, are the only key exchanges,
	// ciphers and MACs the server accepts, and HostKeyAlgorithms the only
	// signature algorithms it offers for its host keys (a host key with
	// none of them is not served); x/crypto/ssh's names, insecure ones
	// included. Default: x/crypto/ssh's defaults, and every algorithm of
	// each host key. They play an old or badly configured server, one
	// that offers only SHA-1 host key signatures
	// (HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}; with HostKey nil, an
	// RSA host key is then generated), only a SHA-1 key exchange
	// (KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}), only a
	// 96-bit MAC (Ciphers: []string{ssh.CipherAES128CTR}, MACs:
	// []string{ssh.InsecureHMACSHA196}) or only a CBC cipher. A name
	// x/crypto/ssh does not implement makes the server fail to start.
	KeyExchanges      []string
	HostKeyAlgorithms []string
	Ciphers           []string
	MACs              []string
	// Shell runs commands: an exec request for CMD runs `Shell -c CMD` and a
	// shell request runs Shell with no arguments. Default "/bin/sh".
	Shell string
	// Handler, if non-nil, runs commands in-process instead of Shell: each
	// exec or shell request calls it, and no process is started (see
	// [Handler]). Env and Dir then only concern what the handler does with
	// them.
	Handler Handler
	// Env is extra environment ("NAME=value") for commands, added after the
	// test process's own environment (os.Environ) and before variables sent
	// by the client.
	Env []string
	// Dir is the working directory of commands. Default: the test process's
	// current directory.
	Dir string
	// NoSFTP refuses the "sftp" subsystem, like a server without it, so
	// that only SCP (over exec) can transfer files.
	NoSFTP bool
	// Delay is a one-way delay applied to every byte of every connection
	// in both directions, so that a round trip takes twice Delay, as on a
	// long network path: a client's time is then its round trips.
	// [Server.RTT] returns the round trip it makes. The TCP handshake
	// itself is not delayed.
	Delay time.Duration
	// Bandwidth, if positive, limits each direction of each connection to
	// this many bytes a second (before Delay).
	Bandwidth int64
	// Faults are the initial faults; see [Server.SetFaults].
	Faults Faults
	// Logf, if non-nil, receives debug logs (for example t.Logf). Passwords
	// and environment values are never logged. Nil means silent.
	Logf func(format string, args ...any)
}

// clone returns a deep copy of c with defaults filled in.
func (c Config) clone() Config {
	c.Users = maps.Clone(c.Users)
	c.AuthorizedKeys = slices.Clone(c.AuthorizedKeys)
	c.Env = slices.Clone(c.Env)
	c.HostKeys = slices.Clone(c.HostKeys)
	c.KeyExchanges = slices.Clone(c.KeyExchanges)
	c.HostKeyAlgorithms = slices.Clone(c.HostKeyAlgorithms)
	c.Ciphers = slices.Clone(c.Ciphers)
	c.MACs = slices.Clone(c.MACs)
	if c.Shell == "" {
		c.Shell = "/bin/sh"
	}
	return c
}
