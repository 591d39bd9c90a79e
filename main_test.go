package pssh_test

import (
	"os"
	"testing"
)

// TestMain runs the tests, or, when this binary was re-executed by
// BenchmarkFleet10k or BenchmarkCluster, serves its fleet of servers, its
// NATS server or one of its workers.
func TestMain(m *testing.M) {
	if key := os.Getenv(fleetServerEnv); key != "" {
		os.Exit(serveFleet(key))
	}
	if dir := os.Getenv(clusterNATSEnv); dir != "" {
		os.Exit(serveClusterNATS(dir))
	}
	if cfg := os.Getenv(clusterWorkerEnv); cfg != "" {
		os.Exit(serveClusterWorker(cfg))
	}
	os.Exit(m.Run())
}
