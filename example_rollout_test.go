package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/gopssh/pssh"
)

// Roll a command out: one canary host first, then batches of two, stopping
// once a host has failed. Hosts never started carry the reason.
func ExampleRollout() {
	fleet, cfg := exampleFleet(5)
	defer fleet.Close()
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	rollout := &pssh.Rollout{
		Canary:    1,
		BatchSize: 2,
		MaxFail:   1,
		OnBatch: func(b pssh.Batch) {
			if b.Ended {
				fmt.Printf("batch %d/%d ended, %d failed so far\n", b.Number, b.Of, b.Failed)
			} else {
				fmt.Printf("batch %d/%d: %d hosts (canary: %v)\n", b.Number, b.Of, len(b.Outputs), b.Canary)
			}
		},
	}
	// Host 2 exits 1: the third batch never starts.
	outputs, err := client.Run(context.Background(), "exit %s", &pssh.RunOptions{
		HostArgs: [][]string{{"0"}, {"0"}, {"1"}, {"0"}, {"0"}},
		Rollout:  rollout,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Join(context.Background(), outputs, nil); err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		var stop *pssh.RolloutStopError
		if errors.As(out.Err(), &stop) {
			fmt.Printf("host %d: %v (%v after batch %d)\n", out.Index, out.Failure(), stop.Reason, stop.Batch)
			continue
		}
		code, _ := out.ExitCode()
		fmt.Printf("host %d: exit %d\n", out.Index, code)
	}
	// Output:
	// batch 1/3: 1 hosts (canary: true)
	// batch 1/3 ended, 0 failed so far
	// batch 2/3: 2 hosts (canary: false)
	// batch 2/3 ended, 1 failed so far
	// host 0: exit 0
	// host 1: exit 0
	// host 2: exit 1
	// host 3: not_started (max-fail reached after batch 2)
	// host 4: not_started (max-fail reached after batch 2)
}

// Drive a rollout of hosts that run elsewhere (as package cluster's
// workers run them): start hands out a batch, here ending each host at
// once through its Relay; the rollout decides as Client.Run's would.
func ExampleDriveRollout() {
	hosts := []string{"web1", "web2", "web3", "web4", "web5"}
	relays := make([]*pssh.Relay, len(hosts))
	outputs := make([]*pssh.HostOutput, len(hosts))
	for i, h := range hosts {
		relays[i] = pssh.NewRelay(h, i, nil)
		outputs[i] = relays[i].Output()
	}
	rollout := &pssh.Rollout{BatchSize: 2, MaxFail: 1}
	batches, _ := rollout.Batches(len(hosts))
	fmt.Println("batches:", batches)
	start := func(n int, batch []int) {
		for _, i := range batch {
			fmt.Printf("batch %d: start %s\n", n+1, hosts[i])
			relays[i].Start("deploy", hosts[i]+":22", "deploy.sh 42")
			code := 0
			if hosts[i] == "web3" {
				code = 1
			}
			relays[i].Finish(code, true, "", nil)
		}
	}
	skip := func(i int, err error) { relays[i].Fail(err) }
	if err := pssh.DriveRollout(context.Background(), rollout, outputs, start, skip); err != nil {
		log.Fatal(err)
	}
	for _, o := range outputs {
		var stop *pssh.RolloutStopError
		if errors.As(o.Err(), &stop) {
			fmt.Println(o.Host, "not started:", stop.Reason)
		}
	}
	// Output:
	// batches: [[0 1] [2 3] [4]]
	// batch 1: start web1
	// batch 1: start web2
	// batch 2: start web3
	// batch 2: start web4
	// web5 not started: max-fail reached
}
