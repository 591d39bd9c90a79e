package opensshd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// sbinDirs lists the directories searched after PATH: root's tools live
// there, and PATH often lacks them.
func sbinDirs() []string {
	return []string{"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"}
}

// serverInstallHint tells how to install OpenSSH's server.
const serverInstallHint = "apt-get install -y openssh-server"

// clientInstallHint tells how to install OpenSSH's client tools.
const clientInstallHint = "apt-get install -y openssh-client"

// SSHDPath returns the absolute path of OpenSSH's sshd, looked up in PATH and
// then in /usr/sbin, /usr/local/sbin and /sbin, or an error when OpenSSH's
// server is not installed.
func SSHDPath() (string, error) {
	p, err := findTool("sshd")
	if err != nil {
		return "", errors.New("opensshd: sshd (OpenSSH server) not found in PATH or /usr/sbin; install it with: " + serverInstallHint)
	}
	return p, nil
}

// findTool returns the absolute path of the executable name, looked up in
// PATH and then in sbinDirs.
func findTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, nil
		}
	}
	for _, dir := range sbinDirs() {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
