// Package pssh runs commands on many hosts over SSH at once, from Go.
//
// It is a Go counterpart of the Python library parallel-ssh: a Client over a
// list of hosts; Run starts a command on all of them in parallel and returns
// one HostOutput per host, in host-list order, whose Stdout and Stderr
// stream while the commands run; Join waits, with a timeout if asked, and
// Completed yields the hosts as they finish; every host's failure is a typed
// error naming the host (all in errors.go), which Classify sorts into a few
// FailureKinds.
//
//	client, err := pssh.New([]string{"web[1-2]", "deploy@10.0.0.5:2222"}, nil)
//	if err != nil { ... }
//	defer client.Close()
//	outputs, err := client.Run(ctx, "uname -r", nil)
//	if err != nil { ... }          // the first host that could not connect
//	for _, out := range outputs {
//		for line := range out.Stdout.Lines() {
//			fmt.Printf("%s: %s\n", out.Host, line)
//		}
//		code, ok := out.ExitCode()
//		...
//	}
//
// Security: host keys are verified against known_hosts by default; a host
// whose key is unknown, different or revoked is refused with a
// *HostKeyError. Config.HostKeyPolicy can trust new hosts on first use
// (HostKeyAcceptNew), appending them to known_hosts; a changed key is an
// error under every policy.
//
// Connections are kept between runs and reused (unless
// Config.CloseConnections). Output is buffered per host in bounded memory,
// and within a budget for the whole client (see Config.OutputMemoryLimit
// and Config.OutputMemoryTotal), the rest on disk, so neither reading nor
// waiting requires the other.
//
// Package hostlist expands and folds host ranges (web[01-20]), which New
// accepts too. The sshtest package provides in-process SSH servers for
// testing code that uses this package; Server.ClientConfig configures a
// client for them, as httptest.Server.Client does.
package pssh
