package opensshd

import (
	"fmt"
	"net"
)

// DefaultAddr is the address a server listens on when [Options.Addrs] is
// empty.
const DefaultAddr = "127.0.0.1"

// Options configures [Start]. The zero value is usable: a server on
// 127.0.0.1, on a free port, accepting only public-key authentication.
type Options struct {
	// Addrs are the loopback IP addresses to listen on, all on the same
	// port. The default is {"127.0.0.1"}. Any address outside the
	// loopback range (127.0.0.0/8, ::1) is refused.
	Addrs []string

	// Port is the TCP port to listen on. 0 picks a free port, and Start
	// picks another one if that port is taken before sshd binds it.
	Port int

	// ExtraConfig holds extra sshd_config lines, for example
	// "PasswordAuthentication yes" or "AllowUsers pssh-test". Since sshd
	// keeps the first value it reads for most keywords, these lines take
	// precedence over the package's defaults: the lines before the first
	// "Match" line go to the top of sshd_config, and a "Match" line with
	// everything after it goes to the end.
	ExtraConfig []string

	// Password enables PasswordAuthentication and
	// KbdInteractiveAuthentication. By default only public-key
	// authentication is accepted.
	Password bool

	// NoAcceptEnv leaves out the default "AcceptEnv PSSH_*": the server
	// then refuses every environment variable a client sends, unless
	// ExtraConfig accepts some (a Match block may, for some addresses).
	NoAcceptEnv bool
}

// listenIPs returns the validated, canonical listen addresses of o.
func (o Options) listenIPs() ([]string, error) {
	addrs := o.Addrs
	if len(addrs) == 0 {
		addrs = []string{DefaultAddr}
	}
	if o.Port < 0 || o.Port > 65535 {
		return nil, fmt.Errorf("opensshd: invalid port %d", o.Port)
	}
	ips := make([]string, 0, len(addrs))
	seen := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil {
			return nil, fmt.Errorf("opensshd: listen address %q is not an IP address", a)
		}
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("opensshd: refusing to listen on non-loopback address %q", a)
		}
		s := ip.String()
		if seen[s] {
			return nil, fmt.Errorf("opensshd: listen address %q given twice", a)
		}
		seen[s] = true
		ips = append(ips, s)
	}
	return ips, nil
}
