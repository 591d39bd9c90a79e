package cluster_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log"
	"os"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/cluster"
	"github.com/gopssh/pssh/sshtest"
)

// A run through a worker of an embedded NATS server, on a test SSH server.
func Example() {
	srv, err := sshtest.NewServer(sshtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key, _ := ssh.NewSignerFromKey(priv)
	dir, _ := os.MkdirTemp("", "pssh-cluster-example-")
	defer os.RemoveAll(dir)
	local, err := cluster.StartLocal(dir, 0, key.PublicKey()) // trusts key
	if err != nil {
		log.Fatal(err)
	}
	defer local.Close()

	// The worker, with the SSH setup of its machine (here: the test server's).
	wconn, err := cluster.Connect(local.URL, local.ConnectOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer wconn.Close()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error)
	go func() {
		served <- (&cluster.Worker{Conn: wconn, Config: srv.ClientConfig(), Trusted: cluster.TrustKeys(key.PublicKey())}).Serve(ctx)
	}()
	defer func() { stop(); <-served }()

	// The submitter.
	sconn, err := cluster.Connect(local.URL, local.ConnectOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer sconn.Close()
	run, err := (&cluster.Submitter{Conn: sconn, Key: key}).Submit(ctx, &cluster.Job{
		Hosts:   []cluster.Host{{Name: srv.Addr}},
		Command: "echo hello; exit 3",
	})
	if err != nil {
		log.Fatal(err)
	}
	for out := range run.Outputs() {
		for line := range out.Stdout.Lines() {
			fmt.Println(line)
		}
		code, _ := out.ExitCode()
		fmt.Println("exit status", code)
	}

	// Any submitter may follow a run by its id, from its start: here,
	// once it has ended (pssh --detach and pssh attach ID).
	again, err := (&cluster.Submitter{Conn: sconn}).Attach(ctx, run.ID)
	if err != nil {
		log.Fatal(err)
	}
	for out := range again.Outputs() {
		for line := range out.Stdout.Lines() {
			fmt.Println("attached:", line)
		}
		code, _ := out.ExitCode()
		fmt.Println("attached: exit status", code)
	}
	// Output:
	// hello
	// exit status 3
	// attached: hello
	// attached: exit status 3
}
