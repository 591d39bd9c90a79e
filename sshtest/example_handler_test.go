package sshtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh/sshtest"
)

func ExampleHandler() {
	srv, err := sshtest.NewServer(sshtest.Config{
		Password: "secret",
		// Runs in-process instead of /bin/sh -c.
		Handler: func(ctx context.Context, e *sshtest.Exec) sshtest.Exit {
			in, _ := io.ReadAll(e.Stdin)
			fmt.Fprintf(e.Stdout, "%s: %s", e.Command, strings.ToUpper(string(in)))
			return sshtest.Exit{Code: 3}
		},
	})
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
	sess.Stdin = strings.NewReader("hello\n")
	out, err := sess.Output("shout")
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		fmt.Print(string(out))
		fmt.Println("exit status", exit.ExitStatus())
	}
	// Output:
	// shout: HELLO
	// exit status 3
}

func ExampleNewFleetFunc() {
	key, err := sshtest.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	// Every third host kills its command by a signal; the others answer
	// with their own number.
	fleet, err := sshtest.NewFleetFunc(6, func(i int) sshtest.Config {
		cfg := sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}}
		if i%3 == 2 {
			cfg.Handler = sshtest.Output(nil, nil, sshtest.Exit{Signal: "KILL"})
		} else {
			cfg.Handler = sshtest.Output(fmt.Appendf(nil, "host %d", i), nil, sshtest.Exit{})
		}
		return cfg
	})
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()
	for _, addr := range fleet.Addrs() {
		client, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
			User:            "ops",
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
			HostKeyCallback: fleet.HostKeyCallback(),
		})
		if err != nil {
			log.Fatal(err)
		}
		sess, err := client.NewSession()
		if err != nil {
			log.Fatal(err)
		}
		out, err := sess.Output("hostname")
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			fmt.Println("killed by", exit.Signal())
		} else {
			fmt.Println(string(out))
		}
		client.Close()
	}
	// Output:
	// host 0
	// host 1
	// killed by KILL
	// host 3
	// host 4
	// killed by KILL
}
