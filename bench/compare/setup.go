package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

//go:embed install-peers.sh
var installScript []byte

//go:embed asyncssh_run.py
var asyncsshScript []byte

// systemPython is the Python that Debian's python3-asyncssh is installed
// for; a python3 earlier in PATH may be a pyenv shim without it.
const systemPython = "/usr/bin/python3"

// installPeers runs the embedded install-peers.sh, which installs with
// apt-get whatever is missing.
func installPeers(dir string) error {
	path := filepath.Join(dir, "install-peers.sh")
	if err := os.WriteFile(path, installScript, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("/bin/sh", path)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("install-peers.sh: %w", err)
	}
	return nil
}

// nofileWanted is the open-files limit asked for: at N = 1000 the tools
// that run one ssh per host hold several descriptors per host.
const nofileWanted = 1 << 20

// raiseNofile raises this process's open-files limit, which the tools and
// sshd inherit, as far as it goes, and describes the result. Calling
// Setrlimit also stops Go from restoring the original soft limit in
// children.
func raiseNofile() string {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return "RLIMIT_NOFILE unknown"
	}
	want := syscall.Rlimit{Cur: nofileWanted, Max: max(lim.Max, nofileWanted)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil {
		// Not root, or above fs.nr_open: settle for the hard limit.
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
	}
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return fmt.Sprintf("RLIMIT_NOFILE %d", lim.Cur)
}

// moduleRoot returns the directory of this repository's go.mod, found by
// the go command from the current directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run this inside the pssh repository (go run ./bench/compare)")
	}
	return filepath.Dir(gomod), nil
}

// goBuild builds the package pkg of the repository at root into dst.
func goBuild(root, pkg, dst string) error {
	cmd := exec.Command("go", "build", "-o", dst, pkg)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, stderr.Bytes())
	}
	return nil
}

// repoRevision describes the repository's commit ("0f72498", with
// "-dirty" for uncommitted changes).
func repoRevision(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown revision"
	}
	return strings.TrimSpace(string(out))
}

// writeFiles writes the files of the workspace for the host counts: the
// ssh_config for the largest, a hosts file and an asyncssh host list for
// each, and the asyncssh script.
func (w *workspace) writeFiles(f fleet, counts []int) error {
	most := 1
	for _, n := range counts {
		most = max(most, n)
	}
	files := map[string]string{
		w.sshConfig: f.sshConfig(most),
		w.script:    string(asyncsshScript),
	}
	for _, n := range slices.Concat(counts, []int{1}) { // 1 for the streaming
		files[w.hostsPath(n)] = hostsFile(n)
		files[w.addrsPath(n)] = f.addrFile(n)
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
