//go:build race

package pssh_test

// bigNoNewline is the size of the one big output without any newline in
// TestFleetFaults. Under the race detector, which slows SSH's encryption
// and copying about tenfold, it is 100 MiB too.
const bigNoNewline = 100 << 20
