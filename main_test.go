package pssh_test

import (
	"os"
	"testing"
)

// TestMain runs the tests, or, when this binary was re-executed by
// BenchmarkFleet10k, serves its fleet of servers.
func TestMain(m *testing.M) {
	if key := os.Getenv(fleetServerEnv); key != "" {
		os.Exit(serveFleet(key))
	}
	os.Exit(m.Run())
}
