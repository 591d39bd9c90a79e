package pssh_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/gopssh/pssh"
)

// A Relay fills a HostOutput with a run made elsewhere: here, by hand.
func ExampleRelay() {
	r := pssh.NewRelay("web1", 0, nil)
	out := r.Output()
	r.Start("deploy", "web1:22", "uptime")
	io.WriteString(r.Stdout(), "up 3 days\n")
	r.Finish(0, true, "", nil)

	data, _ := io.ReadAll(out.Stdout)
	code, _ := out.ExitCode()
	fmt.Printf("%s: %q, exit status %d, %v\n", out.Host, data, code, out.Failure())

	lost := pssh.NewRelay("web2", 1, nil)
	lost.Start("deploy", "web2:22", "uptime")
	lost.Finish(0, false, "", &pssh.WorkerLostError{Host: "web2", Worker: "w1"})
	var wl *pssh.WorkerLostError
	fmt.Println(errors.As(lost.Output().Err(), &wl), pssh.Classify(lost.Output().Err()))
	// Output:
	// web1: "up 3 days\n", exit status 0, none
	// true worker_lost
}
