package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// claim creates key in the claims bucket with value, and reports whether
// the claim is ours: created now, or found holding our own value (a
// create that landed but whose reply was lost, on a slow or failing bus,
// then tried again). When another holds it, it returns that claim's value.
// A bucket that does not answer (five tries) is an error.
func claim(ctx context.Context, kv jetstream.KeyValue, key, value string) (ours bool, holder string, err error) {
	for try := range 5 {
		if _, err = kv.Create(ctx, key, []byte(value)); err == nil {
			return true, value, nil
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			var e jetstream.KeyValueEntry
			if e, err = kv.Get(ctx, key); err == nil {
				return string(e.Value()) == value, string(e.Value()), nil
			}
		}
		if ctx.Err() != nil {
			break
		}
		sleep(ctx, time.Duration(100<<try)*time.Millisecond) // the bus faltered
	}
	return false, "", err
}

// claimValue is what a worker named name writes in the claims it makes
// for one attempt of an item: its name, and a token of that attempt, so
// that a claim of its own found again is known as its own, and one of
// another attempt (its own, before it was found lost) is not.
func claimValue(name string) string {
	var b [8]byte
	rand.Read(b[:])
	return name + "#" + hex.EncodeToString(b[:])
}

// holderName is the worker a claim's value names (or the value: the
// submitter's "abandoned", "cancelled").
func holderName(value string) string {
	name, _, _ := strings.Cut(value, "#")
	return name
}
