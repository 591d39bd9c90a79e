package pssh_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// TestCopyTreeOntoSharedFilesystem copies one tree from several hosts'
// point of view onto one file system (every sshtest host runs on this
// machine, as hosts sharing an NFS home do): the hosts create the same
// directories at the same moment, and a directory that another host made
// first is a success, as mkdir -p, over SFTP and SCP.
func TestCopyTreeOntoSharedFilesystem(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	want := tree{}
	for i := range 40 {
		want[fmt.Sprintf("d%02d/", i)] = nil
		want[fmt.Sprintf("d%02d/e/", i)] = nil
		want[fmt.Sprintf("d%02d/e/f", i)] = []byte("x")
	}
	makeTree(t, src, want)
	fleet, cfg := testFleet(t, 8, sshtest.Faults{})
	c := newClient(t, fleet.Addrs(), cfg)
	for _, proto := range []string{"sftp", "scp"} {
		t.Run(proto, func(t *testing.T) {
			for round := range 3 {
				dst := filepath.Join(t.TempDir(), "dst")
				send := c.CopyFile
				if proto == "scp" {
					send = c.SCPSend
				}
				results, err := send(ctxT(t), src, dst, &pssh.CopyOptions{Recursive: true, ContinueOnErrors: true})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range results {
					if r.Err != nil {
						t.Errorf("round %d, %s: %v", round, r.Host, r.Err)
					}
				}
				sameTree(t, fmt.Sprintf("round %d", round), want, readTree(t, dst))
			}
		})
	}
}
