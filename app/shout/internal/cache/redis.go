// Package cache keeps shout's answers in Redis, shared by every replica,
// each for a TTL. Redis being down costs a short timeout and a metric, never
// a failed request: the service asks the upstream instead.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/doc-search/gitops/app/shout/internal/metrics"
)

// keyPrefix versions the keys: a change to what is stored takes a new prefix
// and leaves the old entries to expire.
const keyPrefix = "shout:v1:"

// timeout bounds each Redis operation; a cache slower than this is no help.
const timeout = 100 * time.Millisecond

// Redis is the cache in a Redis server.
type Redis struct {
	client  *redis.Client
	ttl     time.Duration
	metrics *metrics.Metrics
	log     *slog.Logger
	failing atomic.Bool // logged once per outage, not once per request
}

// NewRedis returns a cache at addr (host:port). It does not connect yet:
// a Redis that is down at start-up is an outage like any other.
func NewRedis(addr string, ttl time.Duration, m *metrics.Metrics, log *slog.Logger) *Redis {
	return &Redis{
		client: redis.NewClient(&redis.Options{
			Addr:         addr,
			DialTimeout:  timeout,
			ReadTimeout:  timeout,
			WriteTimeout: timeout,
			// The request goes on without the cache; retrying would only
			// make it wait longer for Redis.
			MaxRetries:            -1,
			ContextTimeoutEnabled: true,
		}),
		ttl:     ttl,
		metrics: m,
		log:     log,
	}
}

// key is the Redis key for text: a hash, so a key's size is fixed whatever
// the text's.
func key(text string) string {
	sum := sha256.Sum256([]byte(text))
	return keyPrefix + hex.EncodeToString(sum[:])
}

// Get returns the cached answer for text.
func (r *Redis) Get(ctx context.Context, text string) (string, bool, error) {
	answer, err := r.client.Get(ctx, key(text)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		r.ok()
		r.metrics.Cache.WithLabelValues("miss").Inc()
		return "", false, nil
	case err != nil:
		r.fail("get", err)
		r.metrics.Cache.WithLabelValues("error").Inc()
		return "", false, err
	}
	r.ok()
	r.metrics.Cache.WithLabelValues("hit").Inc()
	return answer, true, nil
}

// Set stores the answer for text for the cache's TTL.
func (r *Redis) Set(ctx context.Context, text, answer string) error {
	if err := r.client.Set(ctx, key(text), answer, r.ttl).Err(); err != nil {
		r.fail("set", err)
		r.metrics.Cache.WithLabelValues("set_error").Inc()
		return err
	}
	r.ok()
	return nil
}

// Close closes the connections to Redis.
func (r *Redis) Close() error { return r.client.Close() }

func (r *Redis) fail(op string, err error) {
	if !r.failing.Swap(true) {
		r.log.Warn("cache unavailable: serving without it", slog.String("op", op), slog.Any("error", err))
	}
}

func (r *Redis) ok() {
	if r.failing.Swap(false) {
		r.log.Info("cache available again")
	}
}

// None is no cache at all, for a service run without Redis.
type None struct{}

// Get always misses.
func (None) Get(context.Context, string) (string, bool, error) { return "", false, nil }

// Set stores nothing.
func (None) Set(context.Context, string, string) error { return nil }
