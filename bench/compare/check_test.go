package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCountStatusLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		stdout string
		ok     bool
	}{
		{"all", 2, "[1] 22:57:27 [SUCCESS] h0\n[2] 22:57:27 [SUCCESS] h1\n", true},
		{"one missing", 3, "[1] 22:57:27 [SUCCESS] h0\n[2] 22:57:27 [SUCCESS] h1\n", false},
		{"one failed", 2, "[1] 22:57:27 [SUCCESS] h0\n[2] 22:57:27 [FAILURE] h1 Exited with error code 255\n", false},
		{"timed out", 1, "[1] 22:57:27 [TIMEOUT] h0\n", false},
		{"too many", 1, "[1] 22:57:27 [SUCCESS] h0\n[2] 22:57:27 [SUCCESS] h0\n", false},
		{"none", 1, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := countStatusLines(tc.n)([]byte(tc.stdout), nil)
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok = %v", err, tc.ok)
			}
		})
	}
}

func TestCountOKLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		stdout string
		ok     bool
	}{
		{"all", 2, "OK h0\nOK h1 0\n", true},
		{"duplicate name", 2, "OK h0\nOK h0\n", false},
		{"failure", 2, "OK h0 0\nFAIL h1 ConnectionRefusedError\n", false},
		{"noise ignored", 1, "warning\nOK h0 0\n", true},
		{"none", 1, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := countOKLines(tc.n)([]byte(tc.stdout), nil)
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok = %v", err, tc.ok)
			}
		})
	}
}

func TestOKBytes(t *testing.T) {
	for _, tc := range []struct {
		stdout string
		ok     bool
	}{
		{"OK h0 1000\n", true},
		{"OK h0 999\n", false},
		{"FAIL h0 exit status 1\n", false},
		{"", false},
	} {
		err := okBytes(1000)([]byte(tc.stdout), nil)
		if (err == nil) != tc.ok {
			t.Errorf("okBytes(%q) = %v, want ok = %v", tc.stdout, err, tc.ok)
		}
	}
}

func TestQuietStderr(t *testing.T) {
	if err := quietStderr(nil, []byte("\n  \n")); err != nil {
		t.Errorf("blank stderr: %v", err)
	}
	if err := quietStderr(nil, []byte("pdsh@vm: h1: ssh exited with exit code 255\n")); err == nil {
		t.Error("a failed host on stderr passed")
	}
}

func TestFileSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h0")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fileSize(path, 9)(); err == nil {
		t.Error("a 10-byte file passed as 9 bytes")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the file was not removed: %v", err)
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fileSize(path, 10)(); err != nil {
		t.Error(err)
	}
	if err := fileSize(path, 10)(); err == nil {
		t.Error("a missing file passed")
	}
}
