package opensshd

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// writeKnownHosts writes a known_hosts file at path with one line per
// address ("[127.0.0.1]:PORT ssh-ed25519 ...") for key.
func writeKnownHosts(path string, addrs []string, key ssh.PublicKey) error {
	var b strings.Builder
	for _, a := range addrs {
		b.WriteString(knownhosts.Line([]string{a}, key))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("opensshd: %w", err)
	}
	return nil
}
