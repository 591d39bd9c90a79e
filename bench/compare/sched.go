package main

import (
	"fmt"
	"os"
	"strings"
)

// autogroupPath is the kernel's switch for scheduler autogroups.
//
// With autogroups on (Debian's default), CPU time is shared fairly between
// sessions rather than processes. pdsh and parallel-ssh start each ssh in
// a session of its own (setsid), and so do sshd's connection handlers;
// clush, the ssh loop, asyncssh and pssh run in the harness's one session.
// Whenever the CPU is contended (always, at N=100 and up: client and server
// share the cores) the setsid tools get one share per host and the others
// one share in all, which decides their wall times more than their own
// cost does: on a busy 2-core machine, 100 ssh from a shell loop took 17–30
// s and the same 100 ssh from pdsh 6 s, for the same CPU time. So the
// harness turns autogroups off for the run, by default.
const autogroupPath = "/proc/sys/kernel/sched_autogroup_enabled"

// schedSetting describes what was done with autogroups, for the results.
type schedSetting struct {
	before  string // the value found: "0", "1", or "" when there is no switch
	changed bool   // set to "0" for the run
}

// String describes the setting.
func (s schedSetting) String() string {
	switch {
	case s.before == "":
		return "no scheduler autogroups"
	case s.changed:
		return "sched_autogroup_enabled " + s.before + ", set to 0 for the run"
	case s.before == "0":
		return "sched_autogroup_enabled 0"
	}
	return "sched_autogroup_enabled " + s.before + " (kept: sessions, not processes, share the CPU)"
}

// setAutogroup reads the autogroup switch at path and, when off is true
// and autogroups are on, turns them off. restore puts the old value back;
// it is never nil.
func setAutogroup(path string, off bool) (s schedSetting, restore func(), err error) {
	restore = func() {}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return s, restore, nil
	}
	if err != nil {
		return s, restore, err
	}
	s.before = strings.TrimSpace(string(data))
	if !off || s.before == "0" {
		return s, restore, nil
	}
	if err := os.WriteFile(path, []byte("0\n"), 0o644); err != nil {
		return s, restore, fmt.Errorf("turning scheduler autogroups off (-sched-autogroup=keep leaves them): %w", err)
	}
	s.changed = true
	before := s.before
	return s, func() { _ = os.WriteFile(path, []byte(before+"\n"), 0o644) }, nil
}

// loadAverage returns the first three fields of /proc/loadavg's text.
func loadAverage(text string) string {
	f := strings.Fields(text)
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
