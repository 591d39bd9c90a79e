package cluster

import (
	"context"
	"errors"
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

// openBus finds (or makes) the streams and bucket of the cluster named by
// prefix, with replicas copies of each (1 on a single server; 3 on a
// 3-node cluster, so that one node's loss loses nothing). Each step is
// tried again until ctx ends: a clustered JetStream may take a while to
// answer (a leader being elected), or not answer a request at all.
func openBus(ctx context.Context, js jetstream.JetStream, prefix string, replicas int) (*bus, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !nameRE.MatchString(prefix) {
		return nil, fmt.Errorf("cluster prefix %q: use letters, digits, _ and -", prefix)
	}
	replicas = max(replicas, 1)
	b := &bus{names: names{prefix}, js: js}
	err := retry(ctx, "work stream", func(ctx context.Context) (err error) {
		b.workS, err = ensureStream(ctx, js, jetstream.StreamConfig{
			Name:      b.workStream(),
			Subjects:  []string{b.workAll()},
			Retention: jetstream.WorkQueuePolicy,
			Storage:   jetstream.FileStorage,
			Replicas:  replicas,
			MaxAge:    MaxItemAge,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = retry(ctx, "events stream", func(ctx context.Context) (err error) {
		b.eventS, err = ensureStream(ctx, js, jetstream.StreamConfig{
			Name:     b.eventStream(),
			Subjects: []string{b.eventsAll()},
			Storage:  jetstream.FileStorage,
			Replicas: replicas,
			MaxAge:   DefaultEventsMaxAge,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = retry(ctx, "claims bucket", func(ctx context.Context) (err error) {
		b.claimsKV, err = js.KeyValue(ctx, b.claims())
		if !errors.Is(err, jetstream.ErrBucketNotFound) {
			return err
		}
		b.claimsKV, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:   b.claims(),
			TTL:      claimsTTL,
			Storage:  jetstream.FileStorage,
			Replicas: replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			b.claimsKV, err = js.KeyValue(ctx, b.claims())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// A setup step's first attempt may take firstAttempt, each next one twice
// as long as the one before, up to lastAttempt: a request lost on the way
// (a leader being elected, a node lost) costs seconds, not the longest
// bound, and a slow cluster still gets the time it needs.
const (
	firstAttempt = 2 * time.Second
	lastAttempt  = 10 * time.Second
)

// retry runs step, with attempts bounded as above, until it succeeds or
// ctx ends; with a ctx that never ends, for 2 minutes.
func retry(ctx context.Context, what string, step func(context.Context) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
	}
	for attempt := firstAttempt; ; attempt = min(2*attempt, lastAttempt) {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err := step(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// ensureStream returns the stream cfg names, creating it as cfg says if
// it does not exist. A stream that exists is kept as it is: an operator may
// have changed its limits.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Name)
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return s, err
	}
	s, err = js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // created meanwhile
		return js.Stream(ctx, cfg.Name)
	}
	return s, err
}
