package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJobRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		job     job
		wantErr string
	}{
		{"ok", job{argv: []string{"/bin/sh", "-c", "echo OK h0"}, check: countOKLines(1)}, ""},
		{"exit status", job{argv: []string{"/bin/sh", "-c", "echo boom >&2; exit 3"}}, "exit status 3; stderr: boom"},
		{"check fails", job{argv: []string{"/bin/sh", "-c", "echo FAIL h0"}, check: countOKLines(1)}, "0 of 1 hosts"},
		{"discarded stdout", job{argv: []string{"/bin/sh", "-c", "echo OK h0"}, discardStdout: true, check: countOKLines(1)}, "0 of 1 hosts"},
		{"after fails", job{argv: []string{"/bin/true"}, after: func() error { return errors.New("short file") }}, "short file"},
		{"env", job{argv: []string{"/bin/sh", "-c", `echo "OK $NAME"`}, env: []string{"NAME=h7"}, check: func(out, _ []byte) error {
			if string(out) != "OK h7\n" {
				return errors.New(string(out))
			}
			return nil
		}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.job.run(context.Background())
			if tc.wantErr == "" {
				if s.err != nil {
					t.Fatal(s.err)
				}
			} else if s.err == nil || !strings.Contains(s.err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", s.err, tc.wantErr)
			}
			if s.wall <= 0 {
				t.Errorf("wall = %v", s.wall)
			}
		})
	}
}

// TestJobRunChildren checks that the CPU and memory of children the tool
// waited for are counted.
func TestJobRunChildren(t *testing.T) {
	// A grandchild that counts to 300,000 in sh: about 0.3 s of CPU.
	s := job{argv: []string{"/bin/sh", "-c", `sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; true`}}.run(context.Background())
	if s.err != nil {
		t.Fatal(s.err)
	}
	if s.cpu < 100*time.Millisecond {
		t.Errorf("cpu = %v, want the grandchild's 0.3 s or so", s.cpu)
	}
	if s.maxRSS <= 0 {
		t.Errorf("maxRSS = %d", s.maxRSS)
	}
}

func TestJobRunTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// The grandchild sleep must die too, or Wait would wait for its
	// stdout.
	s := job{argv: []string{"/bin/sh", "-c", "sleep 30; true"}}.run(ctx)
	if s.err == nil || !strings.Contains(s.err.Error(), "killed after") {
		t.Fatalf("err = %v", s.err)
	}
	if s.wall > 10*time.Second {
		t.Errorf("wall = %v", s.wall)
	}
}
