// Command natsnode is one NATS server with JetStream, a node of the
// 3-node cluster the cluster package's tests start as separate processes.
// It prints "ready" once it accepts clients, and runs until killed.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func main() {
	name := flag.String("name", "n1", "server name")
	port := flag.Int("port", 0, "client port on 127.0.0.1")
	clusterPort := flag.Int("cluster-port", 0, "route port on 127.0.0.1")
	routes := flag.String("routes", "", "routes to the other nodes, nats://127.0.0.1:PORT,...")
	dir := flag.String("dir", "", "JetStream directory")
	nkey := flag.String("nkey", "", "the public nkey of the one user")
	flag.Parse()
	srv, err := server.NewServer(&server.Options{
		ServerName: *name,
		Host:       "127.0.0.1",
		Port:       *port,
		JetStream:  true,
		StoreDir:   *dir,
		Nkeys:      []*server.NkeyUser{{Nkey: *nkey}},
		Cluster:    server.ClusterOpts{Name: "pssh-test", Host: "127.0.0.1", Port: *clusterPort},
		Routes:     server.RoutesFromStr(*routes),
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		fmt.Fprintln(os.Stderr, "not ready")
		os.Exit(1)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	srv.Shutdown()
	srv.WaitForShutdown()
}
