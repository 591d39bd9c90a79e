package pssh_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/gopssh/pssh"
)

// A control master lends its connections: a second Client (usually in
// another process, such as a later invocation of a tool) runs its commands
// through them without connecting anew.
func ExampleClient_ServeControl() {
	fleet, cfg := exampleFleet(3)
	defer fleet.Close()
	dir, err := os.MkdirTemp("", "pssh-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "control") // usually pssh.DefaultControlPath()

	master, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer master.Close()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- master.ServeControl(ctx, path, &pssh.ControlOptions{IdleTimeout: time.Minute}) }()
	defer func() { stop(); <-served }()
	for { // wait for the socket (a real program starts the master first)
		if conn, err := net.Dial("unix", path); err == nil {
			conn.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	attached := *cfg
	attached.ControlPath = path
	attached.ControlWarning = func(err error) { fmt.Println("warning:", err) }
	c, err := pssh.New(fleet.Addrs(), &attached)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	outs, err := c.Run(ctx, "echo hello", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range outs {
		for line := range o.Stdout.Lines() {
			fmt.Println(line)
		}
	}
	var conns int64
	for _, s := range fleet.Servers {
		conns += s.Accepted()
	}
	fmt.Println("TCP connections:", conns)
	// Output:
	// hello
	// hello
	// hello
	// TCP connections: 3
}

// ControlStatus lists a control master's hosts and whether it holds a
// connection to each (as "pssh control status" shows them).
func ExampleControlStatus() {
	fleet, cfg := exampleFleet(2)
	defer fleet.Close()
	dir, err := os.MkdirTemp("", "pssh-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "control")

	master, err := pssh.New(fleet.Addrs(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer master.Close()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- master.ServeControl(ctx, path, nil) }()
	defer func() { stop(); <-served }()
	for { // wait for the socket
		if conn, err := net.Dial("unix", path); err == nil {
			conn.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	attached := *cfg
	attached.ControlPath = path
	c, err := pssh.New(fleet.Addrs()[:1], &attached)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	outs, err := c.Run(ctx, "true", nil)
	if err != nil {
		log.Fatal(err)
	}
	c.Join(ctx, outs, nil)

	hosts, err := pssh.ControlStatus(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	for i, h := range hosts {
		fmt.Printf("host %d connected: %v\n", i, h.Connected)
	}
	// Output:
	// host 0 connected: true
	// host 1 connected: false
}
