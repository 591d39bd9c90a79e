// Package hostlist expands and folds host lists written the way pdsh and
// ClusterShell users write them:
//
//	web[01-20].example.com    20 hosts, zero-padded like the lower bound
//	db[1-3,7]                 db1 db2 db3 db7
//	rack[1-2]-n[1-4]          8 hosts: several brackets multiply
//	n[1-10/3]                 n1 n4 n7 n10: a step
//	a,b c                     three hosts: commas and white space separate
//	web[1-9],!web5            exclusion: a "!" item removes hosts
//	root@web[1-3]:2222        user and port pass through
//	[::1]:22                  a bracket holding ':' is an IPv6 address, kept
//
// A list is made of items separated by commas and white space outside
// brackets. Inside an item, each pair of brackets holds comma-separated
// numbers and ranges lo-hi, each optionally with a step /n; the item
// expands to every combination, in order. A lower bound of two or more
// digits starting with 0, as in n[08-11], pads every number of its range
// to its width. Numbers have at most 9 digits, and one list expands to at
// most [MaxHosts] hosts. Brackets holding a ':' are an IPv6 address and
// are kept as written. Text outside brackets, such as a user@ or a :port,
// is copied to every host. An item starting with "!" names hosts to
// remove from the list.
//
// [Expand] returns the hosts of a list; [Parse] returns the hosts to
// include and those to exclude separately, for callers that combine
// several lists (such as the lines of a hosts file) and exclude at the
// end, with [Exclude].
//
// [Fold] is the inverse of Expand: it writes hosts back as a compact list,
// e.g. web01 ... web18, web20 as "web[01-18,20]".
package hostlist

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxHosts bounds how many hosts one expression may expand to, counting
// excluded hosts and duplicates, so that a typo such as n[0-999999999] is
// an error rather than an exhausted machine.
const MaxHosts = 1 << 20

// SyntaxError describes an expression that cannot be expanded.
type SyntaxError struct {
	Expr   string // the expression as given
	Pos    int    // byte offset of the problem within Expr
	Reason string // what is wrong, e.g. "'[' without ']'"
}

// Error returns the expression, the position and the reason, e.g.
// `bad host list "web[1-3" at position 3: '[' without ']'`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("bad host list %q at position %d: %s", e.Expr, e.Pos, e.Reason)
}

// Expand expands expr into its hosts, in the order written, without
// duplicates (the first appearance is kept). Items starting with "!" are
// removed from the result wherever they appear in the list. An empty or
// blank expr gives no hosts and no error. Errors are *[SyntaxError].
func Expand(expr string) ([]string, error) {
	include, exclude, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	return Exclude(include, exclude), nil
}

// Parse expands every item of expr like [Expand], but instead of removing
// the hosts of "!" items it returns them apart: include holds the hosts of
// the other items and exclude those of the "!" items, each in the order
// written. Neither is deduplicated; Exclude(include, exclude) is what
// Expand returns. A caller that reads several lists, such as the lines of
// a hosts file, can gather both across all of them so that a "!" on one
// line removes the host from the whole list. A "!" with no host after it
// is an error. Errors are *[SyntaxError], with positions in expr.
func Parse(expr string) (include, exclude []string, err error) {
	for _, it := range splitItems(expr) {
		if it.text == "" {
			continue
		}
		text, pos, neg := it.text, it.pos, false
		if text[0] == '!' {
			text, pos, neg = text[1:], pos+1, true
			if text == "" {
				return nil, nil, &SyntaxError{expr, pos - 1, `"!" with no host after it`}
			}
		}
		hosts, err := expandPattern(expr, text, pos, MaxHosts-len(include)-len(exclude))
		if err != nil {
			return nil, nil, err
		}
		if neg {
			exclude = append(exclude, hosts...)
		} else {
			include = append(include, hosts...)
		}
	}
	return include, exclude, nil
}

// Exclude returns hosts without those in remove and without duplicates,
// keeping the order of first appearance. It does not change hosts.
func Exclude(hosts, remove []string) []string {
	drop := make(map[string]bool, len(remove)+len(hosts))
	for _, h := range remove {
		drop[h] = true
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if !drop[h] {
			drop[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Items splits expr into its items, at commas and white space outside
// brackets, without expanding them: "web[1-3],!web2 db" gives "web[1-3]",
// "!web2" and "db". Empty items are left out. Packages that extend the
// syntax, such as package groups, read lists with it.
func Items(expr string) []string {
	var out []string
	for _, it := range splitItems(expr) {
		if it.text != "" {
			out = append(out, it.text)
		}
	}
	return out
}

// item is one item of a list: its text, and its byte offset in the list.
type item struct {
	text string
	pos  int
}

// splitItems splits expr at commas and white space outside brackets.
// Unbalanced brackets are left for expandPattern to report.
func splitItems(expr string) []item {
	var items []item
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			items = append(items, item{expr[start:i], start})
			start = i + 1
		}
	}
	return append(items, item{expr[start:], start})
}

// expandPattern expands one item (no separators outside brackets) into at
// most limit hosts. pos is its offset in expr, for errors.
func expandPattern(expr, pat string, pos, limit int) ([]string, error) {
	out := []string{""}
	i := 0
	for i < len(pat) {
		c := pat[i]
		switch c {
		case ']':
			return nil, &SyntaxError{expr, pos + i, "']' without '['"}
		case '[':
			end := strings.IndexByte(pat[i:], ']')
			if end < 0 {
				return nil, &SyntaxError{expr, pos + i, "'[' without ']'"}
			}
			body := pat[i+1 : i+end]
			if strings.IndexByte(body, '[') >= 0 {
				return nil, &SyntaxError{expr, pos + i + 1 + strings.IndexByte(body, '['), "'[' inside brackets"}
			}
			if strings.IndexByte(body, ':') >= 0 { // an IPv6 address: literal
				for k := range out {
					out[k] += pat[i : i+end+1]
				}
				i += end + 1
				continue
			}
			values, err := expandRange(expr, body, pos+i+1)
			if err != nil {
				return nil, err
			}
			if len(out)*len(values) > limit {
				return nil, &SyntaxError{expr, pos + i, fmt.Sprintf("expands to more than %d hosts", MaxHosts)}
			}
			next := make([]string, 0, len(out)*len(values))
			for _, prefix := range out {
				for _, v := range values {
					next = append(next, prefix+v)
				}
			}
			out = next
			i += end + 1
		default:
			j := i
			for j < len(pat) && pat[j] != '[' && pat[j] != ']' {
				j++
			}
			for k := range out {
				out[k] += pat[i:j]
			}
			i = j
		}
	}
	if len(out) > limit {
		return nil, &SyntaxError{expr, pos, fmt.Sprintf("expands to more than %d hosts", MaxHosts)}
	}
	return out, nil
}

// expandRange expands the inside of brackets: comma-separated numbers and
// ranges lo-hi, optionally with a step /n.
func expandRange(expr, body string, pos int) ([]string, error) {
	if body == "" {
		return nil, &SyntaxError{expr, pos, "empty brackets"}
	}
	var out []string
	off := 0
	for part := range strings.SplitSeq(body, ",") {
		p := pos + off
		off += len(part) + 1
		if part == "" {
			return nil, &SyntaxError{expr, p, "empty range inside brackets"}
		}
		rng, step := part, 1
		if k := strings.IndexByte(part, '/'); k >= 0 {
			rng = part[:k]
			n, err := number(part[k+1:])
			if err != nil || n < 1 {
				return nil, &SyntaxError{expr, p + k + 1, fmt.Sprintf("step %q is not a positive number", part[k+1:])}
			}
			step = n
		}
		lo, hi := rng, rng
		if k := strings.IndexByte(rng, '-'); k >= 0 {
			lo, hi = rng[:k], rng[k+1:]
		}
		a, err := number(lo)
		if err != nil {
			return nil, &SyntaxError{expr, p, fmt.Sprintf("%q is not a number", lo)}
		}
		b, err := number(hi)
		if err != nil {
			return nil, &SyntaxError{expr, p + len(lo) + 1, fmt.Sprintf("%q is not a number", hi)}
		}
		if b < a {
			return nil, &SyntaxError{expr, p, fmt.Sprintf("range %s-%s goes backwards", lo, hi)}
		}
		if (b-a)/step+1 > MaxHosts-len(out) {
			return nil, &SyntaxError{expr, p, fmt.Sprintf("expands to more than %d hosts", MaxHosts)}
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n += step {
			out = append(out, pad(n, width))
		}
	}
	return out, nil
}

// number parses a non-negative decimal number of at most 9 digits.
func number(s string) (int, error) {
	if s == "" || len(s) > 9 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
