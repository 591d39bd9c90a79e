package pssh_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

// The sshtest servers serve the test's own file system over SFTP: remote
// paths are local paths, one directory per host.

func TestCopyFileRoundTripSSHTest(t *testing.T) {
	fleet, cfg := testFleet(t, 3, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	base := t.TempDir()
	sizes := []int{0, 1, 32<<10 - 1, 32 << 10, 1<<20 + 7, 5 << 20}
	for _, size := range sizes {
		data := randomBytes(size)
		src := filepath.Join(base, "src")
		if err := os.WriteFile(src, data, 0o640); err != nil {
			t.Fatal(err)
		}
		remote := filepath.Join(base, "remote", "sub", "file")
		var paths []pssh.CopyPaths
		for i := range fleet.Servers {
			paths = append(paths, pssh.CopyPaths{Remote: filepath.Join(base, "remote", string(rune('a'+i)), "sub", "file")})
		}
		res, err := c.CopyFile(ctxT(t), src, remote, &pssh.CopyOptions{HostPaths: paths})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		for i, r := range res {
			got, err := os.ReadFile(paths[i].Remote)
			if err != nil || !bytes.Equal(got, data) || r.Bytes != int64(size) || r.Files != 1 {
				t.Fatalf("size %d host %d: %d bytes (%v), result %+v", size, i, len(got), err, r)
			}
		}
		back := filepath.Join(base, "back", "f")
		res, err = c.CopyRemoteFile(ctxT(t), "", back, &pssh.CopyOptions{HostPaths: remoteOnly(paths)})
		if err != nil {
			t.Fatalf("fetch size %d: %v", size, err)
		}
		for _, r := range res {
			got, err := os.ReadFile(r.Local)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("fetch size %d %s: %d bytes, %v", size, r.Local, len(got), err)
			}
		}
		noTempFiles(t, base)
	}
}

// remoteOnly keeps the remote halves of paths.
func remoteOnly(paths []pssh.CopyPaths) []pssh.CopyPaths {
	out := make([]pssh.CopyPaths, len(paths))
	for i, p := range paths {
		out[i].Remote = p.Remote
	}
	return out
}

func TestCopyDropMidTransferSSHTest(t *testing.T) {
	fleet, cfg := testFleet(t, 2, sshtest.Faults{})
	fleet.Servers[1].SetFaults(sshtest.Faults{DropSFTPAfter: 1 << 20})
	c := newClient(t, fleet.Addrs(), cfg)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	data := randomBytes(8 << 20)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []pssh.CopyPaths{{Remote: filepath.Join(base, "h0", "file")}, {Remote: filepath.Join(base, "h1", "file")}}
	res, err := c.CopyFile(ctxT(t), src, "", &pssh.CopyOptions{HostPaths: paths, ContinueOnErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil {
		t.Fatalf("healthy host: %v", res[0].Err)
	}
	var te *pssh.TransferError
	if !errors.As(res[1].Err, &te) || !errors.Is(res[1].Err, pssh.ErrConnectionLost) || te.Host != fleet.Servers[1].Addr {
		t.Fatalf("dropped host: %v, want a *TransferError matching ErrConnectionLost", res[1].Err)
	}
	if _, err := os.Stat(paths[1].Remote); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final file of the dropped host exists: %v", err)
	}

	// Fetch: the dropped host leaves no local file under the final name.
	fleet.Servers[1].SetFaults(sshtest.Faults{})
	if err := os.MkdirAll(filepath.Dir(paths[1].Remote), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[1].Remote, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fleet.Servers[1].SetFaults(sshtest.Faults{DropSFTPAfter: 1 << 20})
	local := filepath.Join(base, "back", "file")
	var mu sync.Mutex
	last := map[int]int64{}
	res, err = c.CopyRemoteFile(ctxT(t), "", local, &pssh.CopyOptions{HostPaths: paths, ContinueOnErrors: true,
		Progress: func(host string, index int, done, total int64) {
			mu.Lock()
			last[index] = done
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || !errors.Is(res[1].Err, pssh.ErrConnectionLost) {
		t.Fatalf("fetch: %v | %v", res[0].Err, res[1].Err)
	}
	if got, err := os.ReadFile(res[0].Local); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("healthy host's copy: %v", err)
	}
	if _, err := os.Stat(res[1].Local); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("dropped host's local file exists: %v", err)
	}
	noTempFiles(t, filepath.Join(base, "back"))
	if last[0] != int64(len(data)) {
		t.Fatalf("progress of the healthy host ended at %d", last[0])
	}
}

func TestSCPWithoutSFTPSSHTest(t *testing.T) {
	requireCommand(t, "scp")
	key, err := sshtest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, cfg := testFleet(t, 0, sshtest.Faults{})
	srv, err := sshtest.NewServer(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}, NoSFTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg.Key = key.PEM
	cfg.HostKeyCallback = srv.HostKeyCallback()
	c := newClient(t, []string{srv.Addr}, cfg)
	base := t.TempDir()
	want := sampleTree()
	makeTree(t, filepath.Join(base, "src"), want)

	// SFTP is refused, with an error saying so.
	_, err = c.CopyFile(ctxT(t), filepath.Join(base, "src"), filepath.Join(base, "dst"), &pssh.CopyOptions{Recursive: true})
	var te *pssh.TransferError
	if !errors.As(err, &te) || te.Op != "sftp" {
		t.Fatalf("CopyFile without sftp: %v", err)
	}
	// SCP works both ways.
	if _, err := c.SCPSend(ctxT(t), filepath.Join(base, "src"), filepath.Join(base, "dst"), &pssh.CopyOptions{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, "dst", want, readTree(t, filepath.Join(base, "dst")))
	res, err := c.SCPRecv(ctxT(t), filepath.Join(base, "dst"), filepath.Join(base, "back"), &pssh.CopyOptions{Recursive: true, PerHostDir: true})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, "back", want, readTree(t, res[0].Local))
}

func TestSCPRecvDropMidTransferSSHTest(t *testing.T) {
	requireCommand(t, "scp")
	fleet, cfg := testFleet(t, 1, sshtest.Faults{DropAfter: 1 << 20})
	c := newClient(t, fleet.Addrs(), cfg)
	base := t.TempDir()
	src := filepath.Join(base, "src")
	if err := os.WriteFile(src, randomBytes(4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := c.SCPRecv(ctxT(t), src, filepath.Join(base, "out"), nil)
	if !errors.Is(err, pssh.ErrConnectionLost) {
		t.Fatalf("err %v, want ErrConnectionLost", err)
	}
	if _, err := os.Stat(res[0].Local); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final file exists after a dropped transfer: %v", err)
	}
	noTempFiles(t, base)
}
