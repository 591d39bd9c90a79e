package sshtest_test

import (
	"fmt"
	"log"
	"sort"

	"github.com/gopssh/pssh/sshtest"
	"golang.org/x/crypto/ssh"
)

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
