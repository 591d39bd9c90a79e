// Package hostspec parses the host specifications users write: [user@]host[:port],
// with IPv6 addresses bare (::1) or in brackets ([::1]:2222).
package hostspec

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
)

// Spec is one parsed host specification. Zero User or Port means "not given".
type Spec struct {
	User string
	Host string // name or IP address, without brackets
	Port int
}

// SyntaxError describes a host specification that cannot be parsed.
type SyntaxError struct {
	Spec   string // the text as given
	Pos    int    // byte offset of the problem within Spec
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("bad host %q at position %d: %s", e.Spec, e.Pos, e.Reason)
}

// Parse parses s as [user@]host[:port]. A host with more than one colon and no
// brackets is taken whole as an IPv6 address; write [addr]:port to give a port.
func Parse(s string) (Spec, error) {
	var sp Spec
	rest := s
	off := 0
	if strings.TrimSpace(s) != s {
		return sp, &SyntaxError{s, 0, "leading or trailing white space"}
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		sp.User = rest[:i]
		if sp.User == "" {
			return sp, &SyntaxError{s, 0, "empty user before @"}
		}
		rest = rest[i+1:]
		off = i + 1
	}
	if rest == "" {
		return sp, &SyntaxError{s, off, "empty host"}
	}
	if i := strings.IndexFunc(rest, badHostRune); i >= 0 {
		return sp, &SyntaxError{s, off + i, "host contains white space, a control character or '/'"}
	}
	port := ""
	switch {
	case rest[0] == '[':
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return sp, &SyntaxError{s, off, "'[' without matching ']'"}
		}
		sp.Host = rest[1:end]
		after := rest[end+1:]
		switch {
		case after == "":
		case after[0] == ':':
			port = after[1:]
			if port == "" {
				return sp, &SyntaxError{s, off + end + 1, "empty port after ':'"}
			}
		default:
			return sp, &SyntaxError{s, off + end + 1, "unexpected text after ']'"}
		}
		if sp.Host == "" {
			return sp, &SyntaxError{s, off + 1, "empty host in brackets"}
		}
	case strings.Count(rest, ":") > 1:
		sp.Host = rest // bare IPv6 address
		if ip := net.ParseIP(strings.SplitN(rest, "%", 2)[0]); ip == nil {
			return sp, &SyntaxError{s, off, "more than one ':' but not an IPv6 address (write [addr]:port)"}
		}
	default:
		sp.Host = rest
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			sp.Host, port = rest[:i], rest[i+1:]
			if sp.Host == "" {
				return sp, &SyntaxError{s, off, "empty host before ':'"}
			}
			if port == "" {
				return sp, &SyntaxError{s, off + i, "empty port after ':'"}
			}
		}
	}
	if strings.ContainsAny(sp.Host, "[]@") {
		return sp, &SyntaxError{s, off, "host contains '[', ']' or '@'"}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return sp, &SyntaxError{s, len(s) - len(port), fmt.Sprintf("port %q is not a number from 1 to 65535", port)}
		}
		sp.Port = n
	}
	return sp, nil
}

// badHostRune reports runes that no host name or address contains.
func badHostRune(r rune) bool {
	return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r)
}

// Addr joins host and port for dialing, bracketing IPv6 addresses.
func Addr(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
