package pssh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gopssh/pssh"
	"github.com/gopssh/pssh/sshtest"
)

// exampleFleet starts n in-process SSH servers for the examples and returns
// their addresses and a client config that trusts them and logs in with a
// generated key. Real code passes host names and relies on known_hosts, the
// agent and ~/.ssh/id_* instead.
func exampleFleet(n int) (*sshtest.Fleet, *pssh.Config) {
	key, err := sshtest.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	fleet, err := sshtest.NewFleet(n, sshtest.Config{AuthorizedKeys: []ssh.PublicKey{key.PublicKey()}})
	if err != nil {
		log.Fatal(err)
	}
	return fleet, &pssh.Config{
		IgnoreSSHConfig: true,
		Key:             key.PEM,
		NoAgent:         true,
		HostKeyCallback: fleet.HostKeyCallback(),
	}
}

// Run a command on every host, read each host's output as it streams, then
// its exit code.
func Example() {
	fleet, cfg := exampleFleet(3)
	defer fleet.Close()

	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	outputs, err := client.Run(context.Background(), "echo hello; exit 3", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Printf("host %d: %s\n", out.Index, line)
		}
		code, _ := out.ExitCode() // available once the output was read
		fmt.Printf("host %d: exit code %d\n", out.Index, code)
	}
	// Output:
	// host 0: hello
	// host 0: exit code 3
	// host 1: hello
	// host 1: exit code 3
	// host 2: hello
	// host 2: exit code 3
}

// One argument list per host, formatted into the command: %s as it is, %q
// quoted for the shell.
func ExampleClient_Run_hostArgs() {
	fleet, cfg := exampleFleet(2)
	defer fleet.Close()
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	outputs, err := client.Run(context.Background(), "echo %s says %q", &pssh.RunOptions{
		HostArgs: [][]string{{"first", "it's me"}, {"second", "$HOME"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Println(line)
		}
	}
	// Output:
	// first says it's me
	// second says $HOME
}

// Join waits for every host; with a timeout it tells which hosts are still
// running, and their output stays readable.
func ExampleClient_Join() {
	fleet, cfg := exampleFleet(2)
	defer fleet.Close()
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx := context.Background()
	outputs, err := client.Run(ctx, "%s", &pssh.RunOptions{
		HostArgs: [][]string{{"echo done"}, {"read answer; echo got $answer"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	outputs[0].Wait(ctx) // the quick host is done
	err = client.Join(ctx, outputs, &pssh.JoinOptions{Timeout: 200 * time.Millisecond})
	var timeout *pssh.JoinTimeoutError
	if errors.As(err, &timeout) {
		fmt.Println("finished:", len(timeout.Finished), "still running:", len(timeout.Unfinished))
	}
	io.WriteString(outputs[1].Stdin, "yes\n")
	if err := client.Join(ctx, outputs, nil); err != nil {
		log.Fatal(err)
	}
	for line := range outputs[1].Stdout.Lines() {
		fmt.Println(line)
	}
	// Output:
	// finished: 1 still running: 1
	// got yes
}

// With ContinueOnErrors, Run returns every host's output and each failed
// host carries its typed error.
func ExampleRunOptions_continueOnErrors() {
	fleet, cfg := exampleFleet(1)
	defer fleet.Close()
	cfg.ConnectTimeout = 2 * time.Second
	hosts := []string{fleet.Addrs()[0], "no-such-host.invalid"}
	client, err := pssh.New(hosts, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	outputs, err := client.Run(context.Background(), "echo up", &pssh.RunOptions{ContinueOnErrors: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Join(context.Background(), outputs, nil); err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		var unknown *pssh.UnknownHostError
		switch code, ok := out.ExitCode(); {
		case errors.As(out.Err(), &unknown):
			fmt.Printf("host %d: unknown host %s\n", out.Index, unknown.Host)
		case ok:
			fmt.Printf("host %d: exit code %d\n", out.Index, code)
		}
	}
	// Output:
	// host 0: exit code 0
	// host 1: unknown host no-such-host.invalid
}

// React to hosts as they finish, in the order they finish, and classify
// each failure once.
func ExampleCompleted() {
	fleet, cfg := exampleFleet(3)
	defer fleet.Close()
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx := context.Background()
	// Host 1 fails at once; the others wait a little, then succeed.
	outputs, err := client.Run(ctx, "%s", &pssh.RunOptions{
		HostArgs: [][]string{{"sleep 0.2"}, {"exit 4"}, {"sleep 0.2"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for i, out := range pssh.Completed(ctx, outputs) {
		if kind := out.Failure(); kind != pssh.NoFailure {
			code, _ := out.ExitCode()
			fmt.Printf("host %d failed first: %v, exit code %d\n", i, kind, code)
			break // the other hosts go on; their outputs stay readable
		}
	}
	// Output:
	// host 1 failed first: command, exit code 4
}

// Classify sorts any host error into a few kinds, for exit statuses,
// retries or summaries.
func ExampleClassify() {
	fleet, cfg := exampleFleet(1)
	defer fleet.Close()
	client, err := pssh.New([]string{fleet.Addrs()[0], "no-such-host.invalid"}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	outputs, _ := client.Run(context.Background(), "true", &pssh.RunOptions{ContinueOnErrors: true})
	client.Join(context.Background(), outputs, nil)
	for _, out := range outputs {
		fmt.Printf("host %d: %v\n", out.Index, pssh.Classify(out.Err()))
	}
	// Output:
	// host 0: none
	// host 1: unknown_host
}

// Each command sees its host's index and name, as under the classic pssh,
// where the server accepts them (OpenSSH: AcceptEnv PSSH_*).
func ExampleRunOptions_nodeEnv() {
	fleet, cfg := exampleFleet(2)
	defer fleet.Close()
	client, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	outputs, err := client.Run(context.Background(), `echo "node $PSSH_NODENUM is $PSSH_HOST"`, &pssh.RunOptions{NodeEnv: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outputs {
		for line := range out.Stdout.Lines() {
			fmt.Println(line)
		}
	}
	// Output:
	// node 0 is 127.0.0.1
	// node 1 is 127.0.0.2
}

// With MergeSameHosts, entries that resolve to the same host run once;
// MergedHosts says which were merged. By default each entry runs, and the
// labels tell them apart.
func ExampleClient_MergedHosts() {
	fleet, cfg := exampleFleet(1)
	defer fleet.Close()
	addr := fleet.Servers[0].Addr
	cfg.User = "deploy"
	cfg.MergeSameHosts = true
	hosts := []string{addr, "deploy@" + addr, "admin@" + addr}

	client, err := pssh.New(hosts, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	fmt.Println(len(client.Hosts()), "hosts")
	for _, m := range client.MergedHosts() {
		fmt.Println("merged:", m.Entry == hosts[1], m.SameAs == hosts[0])
	}

	cfg.MergeSameHosts = false
	all, err := pssh.New(hosts, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer all.Close()
	for _, l := range all.HostLabels() {
		fmt.Println(l == "deploy@"+addr, l == "deploy@"+addr+"#2", l == "admin@"+addr)
	}
	// Output:
	// 2 hosts
	// merged: true true
	// true false false
	// false true false
	// false false true
}
