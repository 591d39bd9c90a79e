package pssh

import (
	"context"
	"time"
)

// hostContext derives one host's context from the run's: bounded by
// RunOptions.HostTimeout when it is set, counted from the moment that host's
// turn to connect comes. Its release must be called once the host is
// finished.
func hostContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, timeout)
}
