// Command pssh runs a command on many hosts over SSH in parallel, with the
// flags of the classic parallel-ssh CLI. See pssh --help and README.md.
package main

import "os"

func main() {
	// pssh may hold a password or passphrase: a crash must not write it to
	// a core file. Failing to lower the limit is no reason not to run.
	_ = disableCoreDumps()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
