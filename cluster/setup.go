package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Retention of the events stream and of the claims bucket, and the oldest
// item a worker runs: a claim outlives the items it guards against replay.
const (
	DefaultEventsMaxAge = 24 * time.Hour
	claimsTTL           = 48 * time.Hour
	// MaxItemAge is how old (by its signed submission time) an item may
	// be for a worker to run it; also how far in the future.
	MaxItemAge = 24 * time.Hour
)

// bus is a cluster's JetStream objects, made or updated on first use.
type bus struct {
	names
	js       jetstream.JetStream
	workS    jetstream.Stream
	eventS   jetstream.Stream
	claimsKV jetstream.KeyValue
}

// openBus makes (or finds) the streams and bucket of the cluster named by
// prefix, with replicas copies of each (1 on a single server; 3 on a
// 3-node cluster, so that one node's loss loses nothing).
func openBus(ctx context.Context, js jetstream.JetStream, prefix string, replicas int) (*bus, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !nameRE.MatchString(prefix) {
		return nil, fmt.Errorf("cluster prefix %q: use letters, digits, _ and -", prefix)
	}
	replicas = max(replicas, 1)
	b := &bus{names: names{prefix}, js: js}
	var err error
	b.workS, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      b.workStream(),
		Subjects:  []string{b.workAll()},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  replicas,
		MaxAge:    MaxItemAge,
	})
	if err != nil {
		return nil, fmt.Errorf("work stream: %w", err)
	}
	b.eventS, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     b.eventStream(),
		Subjects: []string{b.eventsAll()},
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
		MaxAge:   DefaultEventsMaxAge,
	})
	if err != nil {
		return nil, fmt.Errorf("events stream: %w", err)
	}
	b.claimsKV, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   b.claims(),
		TTL:      claimsTTL,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("claims bucket: %w", err)
	}
	return b, nil
}
