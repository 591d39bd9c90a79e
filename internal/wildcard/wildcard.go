// Package wildcard matches OpenSSH's host patterns (match_pattern): '*'
// stands for any run of characters, '?' for exactly one; everything else
// matches itself, byte for byte. ssh_config's Host and Match lists and
// known_hosts' host names both use it.
package wildcard

// Match reports whether s matches pattern. It backtracks only to the last
// '*', so patterns with many stars take time linear in their length times
// s's, never exponential.
func Match(s, pattern string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			si++
			pi++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
