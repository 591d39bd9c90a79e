package pssh_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gopssh/pssh"
)

// Run many hosts a few at a time, each once, as the pssh command does:
// with CloseConnections, a host's connection is closed as soon as the host
// is done, so that the client holds PoolSize connections (and their open
// files) at a time, not one per host until Close. A later call on a host
// connects again.
func ExampleConfig_closeConnections() {
	fleet, cfg := exampleFleet(4)
	defer fleet.Close()
	cfg.CloseConnections = true
	cfg.PoolSize = 2
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	l := client.FileLimit()
	fmt.Printf("%d hosts, %d connections at a time\n", l.Hosts, l.AtOnce)

	ctx := context.Background()
	for _, batch := range [][]int{{0, 1}, {2, 3}, {0}} {
		outputs, err := client.Run(ctx, "echo done", &pssh.RunOptions{Hosts: batch})
		if err != nil {
			log.Fatal(err)
		}
		for _, out := range outputs {
			for line := range out.Stdout.Lines() {
				fmt.Printf("host %d: %s\n", out.Index, line)
			}
		}
	}
	for i, s := range fleet.Servers {
		fmt.Printf("host %d: connections opened: %d\n", i, s.Accepted())
	}
	// Output:
	// 4 hosts, 2 connections at a time
	// host 0: done
	// host 1: done
	// host 2: done
	// host 3: done
	// host 0: done
	// host 0: connections opened: 2
	// host 1: connections opened: 1
	// host 2: connections opened: 1
	// host 3: connections opened: 1
}
