package sshconfig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Checking and reading the values of the keywords pssh applies, as
// OpenSSH checks them when it reads a file.

// checkValue checks the value of an applied keyword.
func checkValue(key, v string, args []string) error {
	var err error
	switch key {
	case "port":
		_, err = parsePort(v)
	case "connecttimeout", "serveraliveinterval":
		_, err = parseTime(v)
	case "serveralivecountmax", "canonicalizemaxdots":
		_, err = parseCount(v)
	case "identitiesonly", "canonicalizefallbacklocal", "batchmode":
		_, err = parseYesNo(v)
	case "stricthostkeychecking":
		_, err = parseStrict(v)
	case "canonicalizehostname":
		switch lower(v) {
		case "yes", "true", "no", "false", "always":
		default:
			err = fmt.Errorf("unsupported option %q", v)
		}
	case "canonicalizepermittedcnames":
		for _, a := range args {
			if strings.EqualFold(a, "none") && len(args) == 1 {
				break
			}
			if src, tgt, ok := strings.Cut(a, ":"); !ok || src == "" || tgt == "" {
				err = fmt.Errorf("invalid permitted CNAME %q", a)
			}
		}
	case "proxyjump":
		err = checkProxyJump(v)
	case "loglevel":
		switch strings.ToUpper(v) {
		case "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3":
		default:
			err = fmt.Errorf("unsupported log level %q", v)
		}
	case "ciphers", "kexalgorithms", "macs", "hostkeyalgorithms", "pubkeyacceptedalgorithms":
		err = checkAlgorithms(key, v)
	}
	return err
}

// parsePort reads a port number, 1 to 65535.
func parsePort(v string) (int, error) {
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 || strings.HasPrefix(v, "+") {
		return 0, fmt.Errorf("Bad port '%s'", v)
	}
	return p, nil
}

// parseCount reads a whole number of at least 0.
func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("integer value %q", v)
	}
	if n < 0 {
		return 0, errors.New("integer value too small")
	}
	return n, nil
}

func parseYesNo(v string) (bool, error) {
	switch lower(v) {
	case "yes", "true":
		return true, nil
	case "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("unsupported option %q: not yes or no", v)
}

// parseStrict reads StrictHostKeyChecking as ssh -G prints it: true,
// false, ask or accept-new.
func parseStrict(v string) (string, error) {
	switch lower(v) {
	case "yes", "true":
		return "true", nil
	case "no", "false", "off":
		return "false", nil
	case "ask":
		return "ask", nil
	case "accept-new":
		return "accept-new", nil
	}
	return "", fmt.Errorf("unsupported option %q", v)
}

// checkProxyJump checks ProxyJump's syntax: "none", or a comma-separated
// list of [user@]host[:port] or ssh://[user@]host[:port].
func checkProxyJump(v string) error {
	if strings.EqualFold(v, "none") {
		return nil
	}
	for _, hop := range strings.Split(v, ",") {
		h := strings.TrimPrefix(hop, "ssh://")
		if at := strings.LastIndexByte(h, '@'); at >= 0 {
			if at == 0 {
				return fmt.Errorf("Invalid ProxyJump %q", v)
			}
			h = h[at+1:]
		}
		host, port := h, ""
		if strings.HasPrefix(h, "[") {
			end := strings.IndexByte(h, ']')
			if end < 0 {
				return fmt.Errorf("Invalid ProxyJump %q", v)
			}
			host, port = h[1:end], strings.TrimPrefix(h[end+1:], ":")
			if h[end+1:] != "" && !strings.HasPrefix(h[end+1:], ":") {
				return fmt.Errorf("Invalid ProxyJump %q", v)
			}
		} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
			host, port = h[:i], h[i+1:]
			if port == "" {
				return fmt.Errorf("Invalid ProxyJump %q", v)
			}
		}
		if host == "" {
			return fmt.Errorf("Invalid ProxyJump %q", v)
		}
		if port != "" {
			if _, err := parsePort(port); err != nil {
				return fmt.Errorf("Invalid ProxyJump %q", v)
			}
		}
	}
	return nil
}

// parseTime parses OpenSSH's time format: seconds, or a sequence of numbers
// with the units s, m, h, d or w ("1m30s").
func parseTime(v string) (time.Duration, error) {
	if v == "" {
		return 0, errors.New("empty time")
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	var total time.Duration
	rest := lower(v)
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid time value %q", v)
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := time.Second
		if i < len(rest) {
			switch rest[i] {
			case 's':
			case 'm':
				unit = time.Minute
			case 'h':
				unit = time.Hour
			case 'd':
				unit = 24 * time.Hour
			case 'w':
				unit = 7 * 24 * time.Hour
			default:
				return 0, fmt.Errorf("invalid time value %q", v)
			}
			i++
		}
		total += time.Duration(n) * unit
		rest = rest[i:]
	}
	return total, nil
}
