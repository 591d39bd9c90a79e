package pssh_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gopssh/pssh"
)

// Leave the process's garbage collector alone: by default, while commands
// run, a client sets a soft memory limit for the whole process (when it has
// none of its own, GOMEMLIMIT), so that the output of many hosts does not
// make the heap double. A program doing other memory-hungry work beside the
// client sets RunMemoryLimit negative (or its own GOMEMLIMIT), or, positive,
// the memory the commands may take beyond what the process used before.
func ExampleConfig_runMemoryLimit() {
	fleet, cfg := exampleFleet(2)
	defer fleet.Close()
	cfg.RunMemoryLimit = -1
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	outputs, err := client.Run(context.Background(), "echo done", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Printf("host %d: %s\n", out.Index, line)
		}
	}
	// Output:
	// host 0: done
	// host 1: done
}
