// Package childenv starts child processes without pssh's secrets: the
// environment variables that carry a password or a key passphrase
// (PSSH_PASSWORD, PSSH_PASSPHRASE) are removed from every child's
// environment, so that a ProxyCommand, a test server's command or any
// other program pssh starts cannot read them. Every child pssh starts is
// made by Command, or given Environ.
package childenv

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// The secret variables: read by the pssh command, never passed on.
const (
	Password   = "PSSH_PASSWORD"   // the password, if neither -A nor --password-file
	Passphrase = "PSSH_PASSPHRASE" // the passphrase of an encrypted --key
)

// secrets are the variables kept from children.
var secrets = []string{Password, Passphrase}

// Environ returns the process's environment less the secret variables.
func Environ() []string {
	return Without(os.Environ())
}

// Without returns env ("NAME=value" entries) less the secret variables.
func Without(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(secrets, name)
	})
}

// Command is exec.Command with the environment less the secret variables.
// A caller that sets Env itself must build it from Environ.
func Command(name string, arg ...string) *exec.Cmd {
	c := exec.Command(name, arg...)
	c.Env = Environ()
	return c
}

// CommandContext is exec.CommandContext with the environment less the
// secret variables.
func CommandContext(ctx context.Context, name string, arg ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, name, arg...)
	c.Env = Environ()
	return c
}
