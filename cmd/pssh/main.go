// Command pssh runs a command on many hosts over SSH in parallel, with the
// flags of the classic parallel-ssh CLI. See pssh --help and README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
