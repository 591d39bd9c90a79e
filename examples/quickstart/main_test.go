package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestQuickstart runs the quickstart against its own sshtest servers and
// checks the shape of what it prints.
func TestQuickstart(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	read := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		read <- string(b)
	}()
	runErr := run(nil)
	os.Stdout = stdout
	w.Close()
	out := <-read
	t.Logf("output:\n%s", out)
	if runErr != nil {
		t.Fatalf("run: %v", runErr)
	}

	addrs := regexp.MustCompile(`started three in-process sshtest servers on \[(127\.0\.0\.1:\d+) (127\.0\.0\.2:\d+) (127\.0\.0\.3:\d+)\]`).FindStringSubmatch(out)
	if addrs == nil {
		t.Fatal("no line naming the three servers")
	}
	for _, addr := range addrs[1:] {
		for _, want := range []string{
			"[" + addr + "] stdout: ", // $(whoami) on $(hostname)
			"[" + addr + "] stderr: a warning\n",
			addr + ": exit code 3\n",
			"[" + addr + "] hello world\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in the output", want)
			}
		}
	}
}
