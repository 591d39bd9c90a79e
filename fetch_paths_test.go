package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestFetchHostNameStaysInside: a host whose name is ".." or "." (ssh_config
// aliases for a real host) fetches into a directory of its own inside the
// local directory, over SFTP and SCP alike, never into the directory's
// parent or the directory itself.
func TestFetchHostNameStaysInside(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{})
	remote := writeFile(t, "app.log", "log line\n")
	host, port, _ := net.SplitHostPort(srv.Addr)
	sshConfig := writeFile(t, "ssh_config", fmt.Sprintf("Host *\n  HostName %s\n  Port %s\n", host, port))
	names := []string{"..", "."}
	for _, tt := range []struct {
		name  string
		fetch func(*pssh.Client) func(context.Context, string, string, *pssh.CopyOptions) ([]*pssh.CopyResult, error)
	}{
		{"sftp", func(c *pssh.Client) func(context.Context, string, string, *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
			return c.CopyRemoteFile
		}},
		{"scp", func(c *pssh.Client) func(context.Context, string, string, *pssh.CopyOptions) ([]*pssh.CopyResult, error) {
			return c.SCPRecv
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.ClientConfig()
			cfg.IgnoreSSHConfig, cfg.SSHConfigFile = false, sshConfig
			c := newClient(t, names, cfg)
			top := t.TempDir()
			local := filepath.Join(top, "logs")
			res, err := tt.fetch(c)(ctxT(t), remote, local, &pssh.CopyOptions{PerHostDir: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Host, r.Err)
					continue
				}
				rel, err := filepath.Rel(local, r.Local)
				if err != nil || strings.HasPrefix(rel, "..") || filepath.Dir(rel) == "." {
					t.Errorf("%s: fetched to %s, not into a directory of its own in %s", r.Host, r.Local, local)
				}
				if got, err := os.ReadFile(r.Local); err != nil || string(got) != "log line\n" {
					t.Errorf("%s: %s holds %q, %v", r.Host, r.Local, got, err)
				}
			}
			if _, err := os.Stat(filepath.Join(top, "app.log")); err == nil {
				t.Errorf("a fetch wrote %s, outside %s", filepath.Join(top, "app.log"), local)
			}
		})
	}
}

// TestFetchRefusesDotDotEntry: a hostile SFTP server lists an entry the
// client sees as ".." (sshtest's SFTPDotDotEntry): the recursive fetch
// fails for that host, saying so, and writes nothing outside its
// directory (the old behaviour: the server's parent directory was listed
// and its files written beside the local directory).
func TestFetchRefusesDotDotEntry(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Config{Faults: sshtest.Faults{SFTPDotDotEntry: true}})
	remoteTop := t.TempDir()
	if err := os.MkdirAll(filepath.Join(remoteTop, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"secret.txt": "outside\n", "dir/f1": "inside\n"} {
		if err := os.WriteFile(filepath.Join(remoteTop, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, []string{srv.Addr}, srv.ClientConfig())
	localTop := t.TempDir()
	local := filepath.Join(localTop, "dir")
	res, err := c.CopyRemoteFile(ctxT(t), filepath.Join(remoteTop, "dir"), local, &pssh.CopyOptions{
		Recursive: true, HostPaths: []pssh.CopyPaths{{Local: local}}, ContinueOnErrors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var te *pssh.TransferError
	if !errors.As(res[0].Err, &te) || !strings.Contains(res[0].Err.Error(), `refusing file name ".."`) {
		t.Errorf("error %v, want a *TransferError refusing the name", res[0].Err)
	}
	if _, err := os.Stat(filepath.Join(localTop, "secret.txt")); err == nil {
		t.Errorf("the fetch wrote %s, outside %s", filepath.Join(localTop, "secret.txt"), local)
	}
}
