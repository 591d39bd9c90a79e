package sshtest

import (
	"bytes"
	"crypto/subtle"
	"errors"

	"golang.org/x/crypto/ssh"
)

// errAuth is returned by every failed authentication attempt.
var errAuth = errors.New("sshtest: authentication failed")

// serverVersion is the version string the servers announce.
const serverVersion = "SSH-2.0-gopssh_sshtest"

// newSSHConfig builds the x/crypto server configuration for s, serving
// the host keys signers. Only the authentication methods that can succeed
// are offered: always "publickey", which accepts at least Config.ClientKey.
func (s *Server) newSSHConfig(signers []ssh.Signer) *ssh.ServerConfig {
	c := &ssh.ServerConfig{
		Config: ssh.Config{
			KeyExchanges: s.cfg.KeyExchanges,
			Ciphers:      s.cfg.Ciphers,
			MACs:         s.cfg.MACs,
		},
		NoClientAuth:    s.cfg.NoClientAuth,
		AuthLogCallback: s.logAuth,
		ServerVersion:   serverVersion,
	}
	for _, k := range signers {
		c.AddHostKey(k)
	}
	if s.cfg.NoClientAuth {
		c.NoClientAuthCallback = s.noClientAuth
	}
	if s.cfg.Password != "" || len(s.cfg.Users) > 0 {
		c.PasswordCallback = s.passwordAuth
		c.KeyboardInteractiveCallback = s.keyboardInteractiveAuth
	}
	c.PublicKeyCallback = s.publicKeyAuth
	return c
}

// passwordFor returns the password user may log in with, if any.
func (s *Server) passwordFor(user string) (string, bool) {
	if len(s.cfg.Users) > 0 {
		pw, ok := s.cfg.Users[user]
		return pw, ok
	}
	if s.cfg.Password != "" {
		return s.cfg.Password, true
	}
	return "", false
}

// authDelay waits for the AuthDelay fault, if any.
func (s *Server) authDelay() {
	if d := s.Faults().AuthDelay; d > 0 {
		s.sleep(d, nil)
	}
}

// checkPassword reports whether password is user's password.
func (s *Server) checkPassword(user string, password []byte) bool {
	s.authDelay()
	if s.Faults().RejectAuth {
		return false
	}
	want, ok := s.passwordFor(user)
	return ok && subtle.ConstantTimeCompare([]byte(want), password) == 1
}

func (s *Server) noClientAuth(ssh.ConnMetadata) (*ssh.Permissions, error) {
	s.authDelay()
	if s.Faults().RejectAuth {
		return nil, errAuth
	}
	return nil, nil
}

func (s *Server) passwordAuth(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	if !s.checkPassword(meta.User(), password) {
		return nil, errAuth
	}
	return nil, nil
}

func (s *Server) keyboardInteractiveAuth(meta ssh.ConnMetadata, client ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
	answers, err := client(meta.User(), "", []string{"Password: "}, []bool{false})
	if err != nil {
		return nil, err
	}
	if len(answers) != 1 || !s.checkPassword(meta.User(), []byte(answers[0])) {
		return nil, errAuth
	}
	return nil, nil
}

func (s *Server) publicKeyAuth(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	s.authDelay()
	if s.Faults().RejectAuth {
		return nil, errAuth
	}
	wire := key.Marshal()
	for _, k := range s.authorizedKeys {
		if bytes.Equal(k, wire) {
			return nil, nil
		}
	}
	return nil, errAuth
}

// logAuth logs an authentication attempt without any secret.
func (s *Server) logAuth(meta ssh.ConnMetadata, method string, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	s.logf("%s: auth user=%q method=%s: %s", meta.RemoteAddr(), meta.User(), method, result)
}
