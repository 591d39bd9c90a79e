package pssh_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gopssh/pssh"
)

// exampleClient returns a client for n in-process SSH servers (see
// exampleFleet; they serve SFTP on this machine's file system).
func exampleClient(n int) (*pssh.Client, func()) {
	fleet, cfg := exampleFleet(n)
	c, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	return c, func() { c.Close(); fleet.Close() }
}

func ExampleClient_CopyFile() {
	c, done := exampleClient(2)
	defer done()
	dir, _ := os.MkdirTemp("", "pssh-example-")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "app.conf")
	os.WriteFile(src, []byte("port = 8080\n"), 0o640)

	// One destination per host here, because the example's "hosts" share
	// this machine's disk; on a real fleet the same remote path is fine.
	res, err := c.CopyFile(context.Background(), src, "", &pssh.CopyOptions{
		HostPaths: []pssh.CopyPaths{
			{Remote: filepath.Join(dir, "host0", "etc", "app.conf")},
			{Remote: filepath.Join(dir, "host1", "etc", "app.conf")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fi, _ := os.Stat(r.Remote)
		fmt.Println(r.Index, r.Files, r.Bytes, fi.Mode())
	}
	// Output:
	// 0 1 12 -rw-r-----
	// 1 1 12 -rw-r-----
}

func ExampleClient_CopyRemoteFile() {
	c, done := exampleClient(2)
	defer done()
	dir, _ := os.MkdirTemp("", "pssh-example-")
	defer os.RemoveAll(dir)
	remote := filepath.Join(dir, "remote.log")
	os.WriteFile(remote, []byte("log line\n"), 0o644)

	// Every host's copy gets its own name: local + "_" + host.
	res, err := c.CopyRemoteFile(context.Background(), remote, filepath.Join(dir, "fetched", "remote.log"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		b, _ := os.ReadFile(r.Local)
		fmt.Printf("%v %q\n", filepath.Base(r.Local) == "remote.log_"+r.Host, b)
	}
	// Output:
	// true "log line\n"
	// true "log line\n"
}
