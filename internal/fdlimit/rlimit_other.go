//go:build !linux && !darwin

package fdlimit

import "errors"

// get reports that the limit is not known on this platform.
func get() (soft, hard uint64, ok bool) { return 0, 0, false }

// set is not supported on this platform.
func set(soft uint64) error { return errors.ErrUnsupported }
