package opensshd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/childenv"
)

// StartAgent starts a real OpenSSH ssh-agent ("ssh-agent -D -a SOCKET") in a
// temporary directory, adds the given private key files to it with ssh-add,
// and returns the agent's socket path, to be used as SSH_AUTH_SOCK. The
// agent is killed and its directory removed when the test ends.
//
// When ssh-agent or ssh-add is not installed it fails the test under
// CI=true and skips it otherwise (apt-get install -y openssh-client).
func StartAgent(t testing.TB, keyFiles ...string) string {
	t.Helper()
	agentPath, err := findTool("ssh-agent")
	if err != nil {
		skipOrFail(t, "ssh-agent not found; install it with: %s", clientInstallHint)
	}
	addPath, err := findTool("ssh-add")
	if err != nil {
		skipOrFail(t, "ssh-add not found; install it with: %s", clientInstallHint)
	}

	// A short path: unix socket paths are limited to about 100 bytes, too
	// few for t.TempDir under long test names.
	dir, err := os.MkdirTemp("", "pssh-agent-")
	if err != nil {
		t.Fatalf("StartAgent: %v", err)
	}
	sock := filepath.Join(dir, "agent.sock")
	logPath := filepath.Join(dir, "agent.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("StartAgent: %v", err)
	}
	cmd := childenv.Command(agentPath, "-D", "-a", sock)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setProcessGroup(cmd)
	err = cmd.Start()
	logFile.Close()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("StartAgent: starting %s: %v", agentPath, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	agentLog := func() string {
		data, _ := os.ReadFile(logPath)
		return tail(string(data), logTailLines)
	}
	t.Cleanup(func() {
		killProcessTree(cmd.Process)
		<-exited
		os.RemoveAll(dir)
	})

	if err := waitSocket(sock, exited); err != nil {
		t.Fatalf("StartAgent: %v\nssh-agent log:\n%s", err, agentLog())
	}
	for _, key := range keyFiles {
		add := childenv.Command(addPath, key)
		add.Env = append(withoutEnv(add.Env, "SSH_AUTH_SOCK", "SSH_ASKPASS", "DISPLAY"), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("StartAgent: ssh-add %s: %v\n%s", key, err, out)
		}
	}
	return sock
}

// waitSocket polls until the unix socket at path accepts connections, or
// exited is closed, or readyTimeout has passed.
func waitSocket(path string, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		conn, err := net.DialTimeout("unix", path, probeTimeout)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ssh-agent not listening on %s after %v: %w", path, readyTimeout, err)
		}
		t := time.NewTimer(probeInterval)
		select {
		case <-exited:
			t.Stop()
			return fmt.Errorf("ssh-agent exited before listening on %s", path)
		case <-t.C:
		}
	}
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
