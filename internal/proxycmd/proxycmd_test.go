package proxycmd_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopssh/pssh/internal/proxycmd"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"nc %h %p", "nc example.org 2222", ""},
		{"ssh -W %h:%p -l %r jump", "ssh -W example.org:2222 -l alice jump", ""},
		{"echo 100%%", "echo 100%", ""},
		{"no tokens", "no tokens", ""},
		{"nc %h %n", "", "%n"},
		{"nc %", "", "lone"},
	}
	for _, tt := range tests {
		got, err := proxycmd.Expand(tt.in, "example.org", 2222, "alice")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: %v, want an error with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestConnRoundTrip(t *testing.T) {
	c, err := proxycmd.Start("cat")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("%q %v", buf, err)
	}
}

func TestConnFailureCarriesStderr(t *testing.T) {
	c, err := proxycmd.Start("echo no route to host >&2; exit 7")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = io.ReadAll(c)
	var pe *proxycmd.Error
	if !errors.As(err, &pe) || pe.Stderr != "no route to host" || !strings.Contains(err.Error(), "exit status 7") {
		t.Fatalf("err %v", err)
	}
	// A command that ends cleanly is a plain EOF.
	c2, err := proxycmd.Start("true")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := io.ReadAll(c2); err != nil {
		t.Fatalf("clean exit: %v", err)
	}
}

func TestCloseKillsCommand(t *testing.T) {
	c, err := proxycmd.Start("sleep 600 & sleep 600") // a child of the shell too
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the command")
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after close")
	}
}

func TestDeadline(t *testing.T) {
	c, err := proxycmd.Start("sleep 600")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, errDeadline()) {
		t.Fatalf("read past the deadline: %v", err)
	}
}

func errDeadline() error { return os.ErrDeadlineExceeded }
