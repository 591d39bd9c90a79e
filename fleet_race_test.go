//go:build race

package pssh_test

// bigNoNewline is the size of the one big output without any newline in
// TestFleetFaults. Under the race detector it is 32 MiB: 100 MiB take about
// 2 s on an idle 2-core machine, but over 15 s (the test's host timeout)
// when other jobs load it, and the test is not a throughput test.
const bigNoNewline = 32 << 20
