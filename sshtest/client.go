package sshtest

import "golang.org/x/crypto/ssh"

// ClientKey returns the client key the server accepts for any user, in
// addition to Config.AuthorizedKeys: Config.ClientKey, or the key generated
// when the server started. A test's client logs in with it without any
// other setup, for example with ssh.PublicKeys(srv.ClientKey().Signer), or
// for package pssh through [Server.ClientConfig]. Faults such as RejectAuth
// still apply.
func (s *Server) ClientKey() *Key { return s.cfg.ClientKey }

// HostKeys returns the public host keys the server serves, one per key
// type: Config.HostKey and Config.HostKeys, a later key replacing an
// earlier one of the same type. The client picks one of them in the
// handshake (x/crypto/ssh's client prefers ECDSA, then RSA, then ed25519),
// so a client that accepts only [Server.HostKey] may fail against a server
// with several.
func (s *Server) HostKeys() []ssh.PublicKey {
	return append([]ssh.PublicKey(nil), s.hostKeys...)
}

// servedHostKeys returns the public host keys a server with the host keys
// signers serves, as ssh.ServerConfig.AddHostKey keeps them: one per type,
// the last given.
func servedHostKeys(signers []ssh.Signer) []ssh.PublicKey {
	var keys []ssh.PublicKey
	index := map[string]int{} // key type -> index in keys
	for _, k := range signers {
		pub := k.PublicKey()
		if i, ok := index[pub.Type()]; ok {
			keys[i] = pub
			continue
		}
		index[pub.Type()] = len(keys)
		keys = append(keys, pub)
	}
	return keys
}
