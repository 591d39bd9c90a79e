// Package fdlimit fits the process's open file limit (RLIMIT_NOFILE) to the
// descriptors a client expects to hold: it raises the soft limit toward the
// hard limit when the need is above it, never lowers it, and tells when the
// need does not fit even so.
//
// Go programs already start with the soft limit raised to the hard limit
// (the syscall package does it at initialization, since Go 1.19), so the
// raise matters when the limit was lowered since; the report matters
// everywhere: past the hard limit, only the operator can help.
package fdlimit

import "fmt"

// Unlimited is the value of a limit that has none (RLIM_INFINITY).
const Unlimited = ^uint64(0)

// Limit is the open file limit as Ensure left it.
type Limit struct {
	Need   uint64 // descriptors wanted
	Soft   uint64 // the soft limit now; Unlimited when there is none
	Hard   uint64 // the hard limit; Unlimited when there is none
	Raised bool   // Ensure raised the soft limit
	// Known is false where the platform has no such limit or it could not
	// be read: Soft and Hard are then meaningless, and Fits reports true.
	Known bool
}

// Fits tells whether Need fits under the soft limit.
func (l Limit) Fits() bool { return !l.Known || l.Soft >= l.Need }

// String describes the limit for messages, e.g. "soft 1024, hard 4096".
func (l Limit) String() string {
	if !l.Known {
		return "unknown"
	}
	return fmt.Sprintf("soft %s, hard %s", format(l.Soft), format(l.Hard))
}

func format(n uint64) string {
	if n == Unlimited {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

// target returns the soft limit to ask for, given what is needed and the
// current limits, and whether to ask at all: the hard limit when the soft
// one is below the need (as the Go runtime does at start), never lower than
// the current soft limit.
func target(need, soft, hard uint64) (uint64, bool) {
	if soft >= need || soft >= hard {
		return soft, false
	}
	return hard, true
}

// Ensure raises the soft limit when need is above it, toward the hard
// limit, and reports the outcome. It changes nothing when the need already
// fits. Where the hard limit cannot be set as the soft limit (macOS caps it
// below an unlimited hard limit), it settles for need.
func Ensure(need uint64) Limit {
	soft, hard, ok := get()
	l := Limit{Need: need, Soft: soft, Hard: hard, Known: ok}
	if !ok {
		return l
	}
	want, raise := target(need, soft, hard)
	if !raise {
		return l
	}
	if set(want) != nil {
		if need >= want || set(need) != nil {
			return l
		}
		want = need
	}
	if s, _, ok := get(); ok {
		want = s
	}
	l.Soft, l.Raised = want, want > soft
	return l
}

// Current returns the open file limit as it is, with Need zero.
func Current() Limit {
	soft, hard, ok := get()
	return Limit{Soft: soft, Hard: hard, Known: ok}
}
