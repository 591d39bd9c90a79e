package main

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"

	"github.com/gopssh/pssh/internal/safename"
)

// maxFileName is the longest -o/-e file name, in bytes, that a host's own
// name is used for: NAME_MAX of the usual filesystems (ext4, xfs, btrfs,
// tmpfs). A longer name is cut to shortPrefix bytes and followed by
// "~" and a digest (see outputNames).
const (
	maxFileName = 255
	shortPrefix = 200
)

// outputNames returns the -o/-e file name of each host of a run (hosts in
// host-list order), every one distinct, whatever the host names are:
//
//   - a host's file is named after the host as the status lines show it,
//     host[:port] without the user; when several entries share that name
//     (h and root@h), each is named by its whole entry (h, root@h), as
//     slurp's directories are;
//   - "/" and NUL become "_", and "." and ".." become "_." and "_..";
//   - a name longer than maxFileName bytes, or one that another host's name
//     already is (a/b, made a_b, beside a host a_b), is cut to shortPrefix
//     bytes and followed by "~" and the first 16 hex digits of the SHA-256
//     of the whole entry (then ".1", ".2", ... in the unlikely case that
//     this too is taken).
//
// A host that keeps its own name (unchanged, within maxFileName) is never
// moved aside by another's.
func outputNames(hosts []string) []string {
	count := map[string]int{}
	for _, h := range hosts {
		count[displayName(h)]++
	}
	labels := make([]string, len(hosts)) // before making it safe
	wants := make([]string, len(hosts))
	byWant := map[string][]int{}
	for i, h := range hosts {
		labels[i] = displayName(h)
		if count[labels[i]] > 1 {
			labels[i] = h
		}
		wants[i] = safeFileName(labels[i])
		byWant[wants[i]] = append(byWant[wants[i]], i)
	}
	names := make([]string, len(hosts))
	taken := map[string]bool{}
	var hashed []int
	for i, want := range wants {
		if want == "" || len(want) > maxFileName {
			hashed = append(hashed, i)
			continue
		}
		// Of the hosts that want one name, the one that wants it unchanged
		// gets it; when none does, the first in the host list.
		owner := byWant[want][0]
		for _, j := range byWant[want] {
			if labels[j] == want {
				owner = j
				break
			}
		}
		if owner != i || taken[want] {
			hashed = append(hashed, i)
			continue
		}
		names[i] = want
		taken[want] = true
	}
	for _, i := range hashed {
		sum := sha256.Sum256([]byte(hosts[i]))
		base := cutUTF8(wants[i], shortPrefix) + "~" + hex.EncodeToString(sum[:8])
		name := base
		for n := 1; taken[name]; n++ {
			name = base + "." + itoa(n)
		}
		names[i] = name
		taken[name] = true
	}
	return names
}

// safeFileName makes a host's name a file name within one directory, as
// the library's fetches do.
func safeFileName(name string) string { return safename.Host(name) }

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// end within a UTF-8 sequence.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
