package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the results were measured.
type machine struct {
	host     string
	cpuModel string
	cores    int
	kernel   string
	versions [][2]string // tool, version
}

// cpuModel returns the first "model name" of /proc/cpuinfo's text.
func cpuModel(cpuinfo string) string {
	for line := range strings.Lines(cpuinfo) {
		key, val, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return "unknown"
}

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// versionOf runs a command that prints a version and returns the first
// line it printed, on stdout or stderr ("not found" when it cannot run).
func versionOf(argv ...string) string {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if line := firstLine(string(out)); line != "" {
		return line
	}
	if err != nil {
		return "not found"
	}
	return "unknown"
}

// describeMachine collects the machine's description and the versions of
// the tools in use.
func describeMachine(ws *workspace, sshd, repoRev string) machine {
	m := machine{cores: runtime.NumCPU(), cpuModel: "unknown", kernel: "unknown"}
	m.host, _ = os.Hostname()
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.cpuModel = cpuModel(string(data))
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(data))
	}
	m.versions = [][2]string{
		{"sshd", versionOf(sshd, "-V")},
		{"ssh", versionOf("ssh", "-V")},
		{"pssh (this repository)", repoRev + ", " + runtime.Version()},
		{"parallel-ssh", versionOf("parallel-ssh", "--version")},
		{"pdsh", versionOf("pdsh", "-V")},
		{"clush", versionOf("clush", "--version")},
		{"asyncssh", versionOf(ws.python, "-W", "ignore", "-c", "import asyncssh; print(asyncssh.__version__)")},
		{"python3 (for asyncssh)", versionOf(ws.python, "--version")},
	}
	return m
}

// header renders the machine's description as markdown.
func (m machine) header(date, command, limits string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# pssh against its peers, %s on %s\n\n", date, m.host)
	fmt.Fprintf(&b, "- CPU: %s, %d cores (client and sshd share them)\n", m.cpuModel, m.cores)
	fmt.Fprintf(&b, "- kernel: %s\n- limits and load: %s\n", m.kernel, limits)
	for _, v := range m.versions {
		fmt.Fprintf(&b, "- %s: %s\n", v[0], v[1])
	}
	fmt.Fprintf(&b, "- command: `%s`\n", command)
	b.WriteString(`
Medians over the runs that succeeded. Wall time is the tool's process from
start to exit; client CPU is user+system time of the tool and every child
it waited for (wait4 rusage: the ssh processes of the tools that start one
per host); peak RSS is the largest single process among them, as GNU time
reports it (the tool runs under /usr/bin/time, which forks it: a child of
the Go harness itself would inherit the harness's peak at exec); peak total
RSS is the largest sum over the tool and all its descendants at one moment,
sampled every 200 ms (a lower bound; never below peak RSS).
A run in which any host failed is counted as failed and not timed. The
server is a private OpenSSH sshd on 127.0.0.1–10 on the same cores: read
wall times against its CPU, and compare the tools on client CPU and memory.
`)
	return b.String()
}

// shellQuote quotes args for a POSIX shell, leaving plain words as they are.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%") == "" {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
