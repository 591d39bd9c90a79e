package sshtest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pkg/sftp"
)

func TestSFTPSubsystem(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, Config{Password: testPassword, Dir: dir})
	client, err := sftp.NewClient(dial(t, srv))
	if err != nil {
		t.Fatalf("sftp.NewClient: %v", err)
	}
	defer client.Close()

	data := make([]byte, 300_000)
	rand.Read(data)
	f, err := client.Create("sub/file") // relative to Config.Dir; sub is missing
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("create in a missing directory: %v", err)
	}
	if err := client.MkdirAll("sub"); err != nil {
		t.Fatal(err)
	}
	if f, err = client.Create("sub/file"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "sub", "file"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file on disk: %d bytes, %v", len(got), err)
	}
	r, err := client.Open(filepath.Join(dir, "sub", "file"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("read back %d bytes, %v", len(back), err)
	}
	if srv.Sessions() != 1 {
		t.Fatalf("sessions %d", srv.Sessions())
	}
}

func TestSFTPRefused(t *testing.T) {
	srv := startServer(t, Config{Password: testPassword, NoSFTP: true})
	if _, err := sftp.NewClient(dial(t, srv)); err == nil {
		t.Fatal("sftp subsystem accepted with NoSFTP")
	}
	// Exec still works.
	out, err := newSession(t, dial(t, srv)).Output("echo ok")
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("%q %v", out, err)
	}
}

func TestSFTPDropAfter(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, Config{Password: testPassword, Faults: Faults{DropSFTPAfter: 100_000}})
	conn := dial(t, srv)
	client, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	f, err := client.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(make([]byte, 1<<20))
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		t.Fatal("1 MiB written through a connection dropped after 100 kB")
	}
	// The whole connection is gone, not only the sftp session.
	if err := conn.Wait(); err == nil {
		t.Fatal("connection still open")
	}
	// New connections work (the fault applies to each sftp session anew).
	srv.SetFaults(Faults{})
	c2, err := sftp.NewClient(dial(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// TestSFTPDotDotEntry: with the fault, the first directory listing holds
// an extra directory entry "x/.." (".." to pkg/sftp's client, which keeps
// the last element); the next listing, realpath and the files are
// unchanged.
func TestSFTPDotDotEntry(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, Config{Password: testPassword, Dir: dir, Faults: Faults{SFTPDotDotEntry: true}})
	client, err := sftp.NewClient(dial(t, srv))
	if err != nil {
		t.Fatalf("sftp.NewClient: %v", err)
	}
	defer client.Close()
	if wd, err := client.Getwd(); err != nil || wd != dir {
		t.Errorf("Getwd (REALPATH) = %q, %v; want %q", wd, err, dir)
	}
	for i, want := range [][]string{{"..", "a", "b.txt"}, {"a", "b.txt"}} {
		list, err := client.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, fi := range list {
			names = append(names, fi.Name())
			if fi.Name() == ".." && !fi.IsDir() {
				t.Errorf("listing %d: the extra entry is not a directory: %v", i, fi.Mode())
			}
			if fi.Name() != ".." && fi.Size() != int64(len(fi.Name())) {
				t.Errorf("listing %d: %s: size %d: the attributes were not kept", i, fi.Name(), fi.Size())
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("listing %d: %v, want %v", i, names, want)
		}
	}
}
