package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/internal/childenv"
)

// Secrets never come from the command line, where every user of the
// machine can read them (ps, /proc/PID/cmdline) and shells keep them in
// their history: a password is typed at a prompt (-A), read from a file
// only its owner can read (--password-file), or taken from the environment.
// None is passed on to a child process (package childenv).
const (
	passwordEnv   = childenv.Password
	passphraseEnv = childenv.Passphrase
)

// loadSecrets fills cfg's password and key passphrase: the password from
// the -A prompt, --password-file or $PSSH_PASSWORD; the passphrase of an
// encrypted key file from $PSSH_PASSPHRASE or, when canPrompt (standard
// input is a terminal, and not read for -I), a prompt.
func loadSecrets(o *options, cfg *pssh.Config, canPrompt bool) error {
	var err error
	switch {
	case o.askPass:
		cfg.Password, err = readPassword("Password: ")
	case o.passwordFile != "":
		cfg.Password, err = readSecretFile(o.passwordFile)
	default:
		cfg.Password = os.Getenv(passwordEnv)
	}
	if err != nil {
		return err
	}
	if cfg.KeyFile != "" && cfg.Passphrase == nil && keyEncrypted(cfg.KeyFile) {
		if p, ok := os.LookupEnv(passphraseEnv); ok {
			cfg.Passphrase = []byte(p)
		} else if canPrompt {
			p, err := readPassword("Passphrase for " + cfg.KeyFile + ": ")
			if err != nil {
				return err
			}
			cfg.Passphrase = []byte(p)
		}
		// Otherwise the key is skipped and each host's error says why.
	}
	return nil
}

// readSecretFile reads a password from the first line of a file that only
// its owner may read, as ssh insists for private keys.
func readSecretFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("--password-file %s: permissions %#o are too open: others may read it (chmod 600 %[1]s)", name, perm)
	}
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		return "", fmt.Errorf("--password-file %s: empty", name)
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// keyEncrypted reports whether a private key file needs a passphrase.
// Unreadable or malformed files are left for the client to report.
func keyEncrypted(name string) bool {
	pem, err := os.ReadFile(name)
	if err != nil {
		return false
	}
	_, err = ssh.ParseRawPrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	return errors.As(err, &missing)
}
