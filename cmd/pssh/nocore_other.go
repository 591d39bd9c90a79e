//go:build !unix

package main

// disableCoreDumps does nothing where there are no core-file limits.
func disableCoreDumps() error { return nil }
