//go:build !race

package pssh_test

// bigNoNewline is the size of the one big output without any newline in
// TestFleetFaults: 100 MiB.
const bigNoNewline = 100 << 20
