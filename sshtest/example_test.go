package sshtest_test

import (
	"context"
	"fmt"
	"log"
	"sort"
	"testing"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

// exampleT stands in for a test's *testing.T in the examples, which go test
// runs without one. Like a test's t, it fails (here: exits) on Fatal and
// runs the registered cleanups, last first, when the test is done.
type exampleT struct {
	testing.TB // nil: only the methods below are called
	cleanups   []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Fatal(args ...any)                 { log.Fatal(args...) }
func (t *exampleT) Errorf(format string, args ...any) { log.Printf(format, args...) }
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }

// done runs the cleanups, as go test does when a test ends.
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func Example() {
	srv, err := sshtest.NewServer(sshtest.Config{Password: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User:            "deploy",
		Auth:            []ssh.AuthMethod{ssh.Password("secret")},
		HostKeyCallback: srv.HostKeyCallback(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	sess, err := client.NewSession()
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("echo hello from sshtest")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	fmt.Println("sessions:", srv.Sessions())
	// Output:
	// hello from sshtest
	// sessions: 1
}

func ExampleNewFleet() {
	key, err := sshtest.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sshtest.NewFleet(3, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()

	cfg := &ssh.ClientConfig{
		User:            "ops",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: fleet.HostKeyCallback(),
	}
	var hosts []string
	for _, addr := range fleet.Addrs() {
		client, err := ssh.Dial("tcp", addr, cfg)
		if err != nil {
			log.Fatal(err)
		}
		sess, err := client.NewSession()
		if err != nil {
			log.Fatal(err)
		}
		sess.Setenv("ADDR", addr)
		out, err := sess.Output(`echo "${ADDR%:*}"`)
		if err != nil {
			log.Fatal(err)
		}
		hosts = append(hosts, string(out[:len(out)-1]))
		client.Close()
	}
	sort.Strings(hosts)
	fmt.Println(hosts)
	// Output: [127.0.0.1 127.0.0.2 127.0.0.3]
}

func ExampleServer_SetFaults() {
	srv, err := sshtest.NewServer(sshtest.Config{NoClientAuth: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cfg := &ssh.ClientConfig{User: "u", HostKeyCallback: srv.HostKeyCallback()}

	srv.SetFaults(sshtest.Faults{RejectAuth: true})
	_, err = ssh.Dial("tcp", srv.Addr, cfg)
	fmt.Println("while rejecting:", err != nil)

	srv.SetFaults(sshtest.Faults{})
	client, err := ssh.Dial("tcp", srv.Addr, cfg)
	fmt.Println("after clearing:", err == nil)
	if client != nil {
		client.Close()
	}
	// Output:
	// while rejecting: true
	// after clearing: true
}

// Start a server for a test and log in with its own client key.
func ExampleStart() {
	t := &exampleT{} // in a test: its *testing.T
	defer t.done()   // in a test: done by go test when the test ends

	srv := sshtest.Start(t, sshtest.Config{}) // closed when the test ends
	client, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User:            "deploy",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientKey().Signer)},
		HostKeyCallback: srv.HostKeyCallback(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("echo hello from sshtest")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Print(string(out))
	// Output: hello from sshtest
}

// Start a fleet for a test and run a command on it with a pssh client.
func ExampleStartFleet() {
	t := &exampleT{} // in a test: its *testing.T
	defer t.done()   // in a test: done by go test when the test ends

	fleet := sshtest.StartFleet(t, 3, sshtest.Config{}) // closed when the test ends
	client, err := pssh.New(fleet.Addrs(), fleet.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	outputs, err := client.Run(context.Background(), "echo hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Printf("host %d: %s\n", out.Index, line)
		}
	}
	// Output:
	// host 0: hello
	// host 1: hello
	// host 2: hello
}

func ExampleServer_ClientConfig() {
	srv, err := sshtest.NewServer(sshtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := pssh.New([]string{srv.Addr}, srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	outputs, err := client.Run(context.Background(), "echo hello from sshtest; exit 3", nil)
	if err != nil {
		log.Fatal(err)
	}
	out := outputs[0]
	for line := range out.Stdout.Lines() {
		fmt.Println(line)
	}
	if err := out.Wait(context.Background()); err != nil {
		log.Fatal(err)
	}
	code, _ := out.ExitCode()
	fmt.Println("exit code", code)
	// Output:
	// hello from sshtest
	// exit code 3
}

func ExampleFleet_ClientConfig() {
	fleet, err := sshtest.NewFleet(3, sshtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()

	client, err := pssh.New(fleet.Addrs(), fleet.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	// Each server runs the command on this machine: tell them apart by the
	// address each host's argument gives.
	var args [][]string
	for _, s := range fleet.Servers {
		args = append(args, []string{s.Host()})
	}
	outputs, err := client.Run(context.Background(), "echo hello from %s", &pssh.RunOptions{HostArgs: args})
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Printf("host %d: %s\n", out.Index, line)
		}
	}
	// Output:
	// host 0: hello from 127.0.0.1
	// host 1: hello from 127.0.0.2
	// host 2: hello from 127.0.0.3
}
