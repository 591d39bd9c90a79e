package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gopssh/pssh"
)

// The CLI's own words for the library's errors, built from their fields:
// the library's texts name its Config fields, these name pssh's flags.
// Status lines are short; the full errors (-v) say everything.

// timeoutText is the status of a host that ran out of time, naming the
// limit and the flag that sets it.
func timeoutText(te *pssh.TimeoutError) string {
	lim := seconds(te.Limit)
	switch {
	case te.Deadline && te.Limit > 0:
		return fmt.Sprintf("timed out after %ss (-t %s)", lim, lim)
	case te.Deadline:
		return "timed out"
	case te.Limit <= 0:
		return te.Phase.String() + " timed out"
	case te.Phase == pssh.PhaseConnect:
		return fmt.Sprintf("connect timed out after %ss (--connect-timeout %s)", lim, lim)
	case te.Phase == pssh.PhaseHandshake, te.Phase == pssh.PhaseAuth:
		return fmt.Sprintf("%s timed out after %ss (--handshake-timeout %s)", te.Phase, lim, lim)
	case te.Phase == pssh.PhaseSession:
		return fmt.Sprintf("session start timed out after %ss (--connect-timeout %s)", lim, lim)
	}
	return fmt.Sprintf("%s timed out after %ss", te.Phase, lim)
}

// seconds writes d in seconds as the flags take them: "60", "0.3".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// hostKeyText is the status of a host whose key was refused: an unknown
// key and a changed one read differently.
func hostKeyText(hk *pssh.HostKeyError) string {
	switch {
	case hk.Revoked:
		return "host key REVOKED (" + knownLineRef(hk.Known) + ")"
	case hk.Unknown:
		return fmt.Sprintf("unknown host key (not in %s; --known-hosts accept-new trusts new hosts)", knownFile(hk.Files))
	case len(hk.Known) > 0:
		return "host key CHANGED (" + knownLineRef(hk.Known) + ") — possible man-in-the-middle"
	}
	var pe *fs.PathError
	if errors.As(hk.Err, &pe) {
		return fmt.Sprintf("cannot read %s: %v", tilde(pe.Path), pe.Err)
	}
	return "host key verification failed"
}

// knownFile names the first known_hosts file searched, the one accept-new
// records hosts in.
func knownFile(files []string) string {
	if len(files) == 0 {
		return "known_hosts"
	}
	return tilde(files[0])
}

var fileLineRE = regexp.MustCompile(`^(.*?):(\d+): `)

// knownLineRef is "FILE:LINE" of the first of HostKeyError.Known ("file:line: text").
func knownLineRef(known []string) string {
	if len(known) == 0 {
		return "known_hosts"
	}
	m := fileLineRE.FindStringSubmatch(known[0])
	if m == nil {
		return known[0]
	}
	return tilde(m[1]) + ":" + m[2]
}

// tilde writes a path under the home directory as ~/...
func tilde(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return path
	}
	if rel, ok := strings.CutPrefix(path, home+string(filepath.Separator)); ok {
		return "~/" + rel
	}
	return path
}

// fullError is a host's whole error for -v, in the CLI's words where the
// library's name its fields. Like the status lines' errText it goes by the
// failure's kind (pssh.Classify); a jump host's error is worded as the
// hop's, after the hop.
func fullError(err error) string {
	var je *pssh.JumpError
	if errors.As(err, &je) {
		return fmt.Sprintf("%s: jump host #%d failed: %s", je.Host, je.HopIndex, fullError(je.Err))
	}
	var (
		hk *pssh.HostKeyError
		te *pssh.TimeoutError
		ee *pssh.EnvError
	)
	switch pssh.Classify(err) {
	case pssh.FailureHostKey:
		if errors.As(err, &hk) && hk.Unknown {
			host, port := hk.Addr, "22"
			if h, p, err := net.SplitHostPort(hk.Addr); err == nil {
				host, port = h, p
			}
			return fmt.Sprintf("%s: unknown host key%s: not in %s (it offered %s key %s); check that fingerprint with the host's administrator, "+
				"then add the host (ssh-keyscan -p %s %s >> ~/.ssh/known_hosts, or connect once with ssh), or trust new hosts on first use with --known-hosts accept-new",
				hk.Host, forAddr(hk.Host, hk.Addr), strings.Join(tildes(hk.Files), ", "), hk.KeyType, hk.Fingerprint, port, host)
		}
	case pssh.FailureTimeout:
		if errors.As(err, &te) && te.Phase != pssh.PhaseRead {
			return te.Host + ": " + timeoutText(te)
		}
	case pssh.FailureSession:
		if errors.As(err, &ee) {
			return envText(ee, true)
		}
	}
	return err.Error()
}

// envText says that a server refused a variable of --env.
func envText(ee *pssh.EnvError, withHost bool) string {
	s := fmt.Sprintf("server refused to set %s: allow it with AcceptEnv in sshd_config", ee.Name)
	if withHost {
		s = ee.Host + ": " + s
	}
	return s
}

func tildes(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = tilde(p)
	}
	if len(out) == 0 {
		return []string{"known_hosts"}
	}
	return out
}

// forAddr is " for ADDR" when the host as given does not say ADDR.
func forAddr(host, addr string) string {
	if host == addr || net.JoinHostPort(host, "22") == addr {
		return ""
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 && host[i+1:] == addr {
		return ""
	}
	return " for " + addr
}

// runFailureText is how pssh itself failing is reported (exit 1).
func runFailureText(err error) string {
	var sce *pssh.SSHConfigError
	if errors.As(err, &sce) {
		host := ""
		if sce.Host != "" {
			host = sce.Host + ": "
		}
		return fmt.Sprintf("%sssh_config: %s%v (-F /dev/null reads no ssh_config)", host, sce.Where(), sce.Err)
	}
	return strings.TrimPrefix(err.Error(), "pssh: ")
}

// verboseHint says, when hosts failed with errors and -v was not given,
// how to see them in full.
func verboseHint(p *printer, failed int) {
	if failed == 0 {
		return
	}
	hosts := "hosts"
	if failed == 1 {
		hosts = "host"
	}
	p.errf("pssh: %d %s failed; -v prints the full errors\n", failed, hosts)
}
