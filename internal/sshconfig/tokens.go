package sshconfig

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// % tokens and ${VAR}, where OpenSSH expands them:
//
//   - HostName: %% and %h (the host as given).
//   - Match exec, IdentityFile, CertificateFile, IdentityAgent,
//     UserKnownHostsFile and Include: %%, %C, %d, %h, %i, %j, %k, %L, %l,
//     %n, %p, %r, %u; all but Match exec also '~' at the start and ${VAR}.
//   - ProxyCommand: %%, %h, %n, %p, %r, expanded by the caller when it
//     runs the command (Dump shows it unexpanded, as ssh -G).
//
// An unknown token, or ${VAR} of a variable that is not set, is an error,
// as in OpenSSH.

// tokenSet names which tokens a keyword takes.
type tokenSet string

const (
	tokensHostName tokenSet = "%h"
	tokensExec     tokenSet = "%CdhijkLlnpru"
	tokensPath     tokenSet = "%CdhijkLlnpru"
)

// expand expands the tokens of set in v, and ${VAR} if env.
func (r *resolver) expand(v string, set tokenSet, env bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '%':
			if i+1 >= len(v) {
				return "", fmt.Errorf("%q ends in %%", v)
			}
			c := v[i+1]
			if !strings.ContainsRune(string(set), rune(c)) {
				return "", fmt.Errorf("%q: unknown token %%%c", v, c)
			}
			b.WriteString(r.token(c))
			i++
		case env && v[i] == '$' && i+1 < len(v) && v[i+1] == '{':
			end := strings.IndexByte(v[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("%q: unterminated ${", v)
			}
			name := v[i+2 : i+end]
			val, ok := os.LookupEnv(name)
			if !ok {
				return "", fmt.Errorf("%q: environment variable %s is not set", v, name)
			}
			b.WriteString(val)
			i += end
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String(), nil
}

// expandPath expands a path: '~' at the start, then tokens and ${VAR}.
func (r *resolver) expandPath(v string) (string, error) {
	p, err := expandTilde(v, r.c.opt.HomeDir)
	if err != nil {
		return "", err
	}
	return r.expand(p, tokensPath, true)
}

// token is the value of a token for the host as resolved so far.
func (r *resolver) token(c byte) string {
	switch c {
	case '%':
		return "%"
	case 'C':
		sum := sha1.Sum([]byte(r.token('l') + r.token('h') + r.token('p') + r.token('r') + r.token('j')))
		return hex.EncodeToString(sum[:])
	case 'd':
		return r.c.opt.HomeDir
	case 'h':
		if r.hostName != "" {
			return r.hostName
		}
		return r.matchHost()
	case 'i':
		return strconv.Itoa(os.Getuid())
	case 'j':
		if j := r.value("proxyjump"); !strings.EqualFold(j, "none") {
			return j
		}
		return ""
	case 'k':
		if a := r.value("hostkeyalias"); a != "" {
			return lower(a)
		}
		if r.inExec {
			return r.token('h') // as OpenSSH's Match exec
		}
		return r.alias
	case 'L':
		short, _, _ := strings.Cut(r.token('l'), ".")
		return short
	case 'l':
		long, _ := os.Hostname()
		return long
	case 'n':
		return r.alias
	case 'p':
		return strconv.Itoa(r.port())
	case 'r':
		return r.user()
	case 'u':
		return r.c.opt.LocalUser
	}
	return ""
}

// expandHostName expands HostName's tokens for alias.
func expandHostName(v, alias string) string {
	return strings.NewReplacer("%%", "%", "%h", alias).Replace(v)
}

// expandTilde expands '~' and '~user' at the start of a path.
func expandTilde(p, home string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fmt.Errorf("%q: no user %s", p, name)
		}
		home = u.HomeDir
	}
	if rest == "" && !strings.Contains(p, "/") {
		return home, nil
	}
	return strings.TrimSuffix(home, "/") + "/" + rest, nil
}

// checkTokens refuses the tokens of v that set does not have.
func checkTokens(v string, set tokenSet) error {
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		if i+1 >= len(v) {
			return fmt.Errorf("%q ends in %%", v)
		}
		if !strings.ContainsRune(string(set), rune(v[i+1])) {
			return fmt.Errorf("%q: unknown token %%%c", v, v[i+1])
		}
		i++
	}
	return nil
}
