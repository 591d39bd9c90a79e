//go:build unix

package main

import (
	"syscall"
	"testing"
)

func TestDisableCoreDumps(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &before); err != nil {
		t.Fatal(err)
	}
	if err := disableCoreDumps(); err != nil {
		t.Fatal(err)
	}
	var after syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &after); err != nil {
		t.Fatal(err)
	}
	if after.Cur != 0 || after.Max != before.Max {
		t.Errorf("core limit %+v, want soft 0 and hard %d", after, before.Max)
	}
}
