package psshtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
	"github.com/gopssh/pssh/sshtest/psshtest"
)

func ExampleClientConfig() {
	srv, err := sshtest.NewServer(sshtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := pssh.New([]string{srv.Addr}, psshtest.ClientConfig(srv))
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

func ExampleFleetClientConfig() {
	fleet, err := sshtest.NewFleet(3, sshtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fleet.Close()

	client, err := pssh.New(fleet.Addrs(), psshtest.FleetClientConfig(fleet))
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
