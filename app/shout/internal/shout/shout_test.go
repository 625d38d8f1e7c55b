package shout_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/shout/internal/cache"
	"github.com/doc-search/gitops/app/shout/internal/metrics"
	"github.com/doc-search/gitops/app/shout/internal/redistest"
	"github.com/doc-search/gitops/app/shout/internal/shout"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

// replica is one instance of the service: its own upstream client, cache
// client and metrics, as a pod would have.
type replica struct {
	svc     *shout.Service
	metrics *metrics.Metrics
}

func newReplica(t *testing.T, upstreamURL, redisAddr string) replica {
	t.Helper()
	m := metrics.New(prometheus.NewRegistry())
	up, err := upstream.New(upstream.Config{
		URL: upstreamURL, Timeout: 2 * time.Second, Retries: 1, Backoff: time.Millisecond,
		BreakerFailures: 100, BreakerOpen: time.Minute,
	}, m)
	require.NoError(t, err)
	t.Cleanup(up.Close)
	c := cache.NewRedis(redisAddr, time.Hour, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = c.Close() })
	return replica{svc: shout.New(up, c, 5*time.Second), metrics: m}
}

func (r replica) cacheCount(result string) float64 {
	return testutil.ToFloat64(r.metrics.Cache.WithLabelValues(result))
}

func TestReverse_ByUnicodeCharacterNotByte(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"test", "tset"},
		{"añb", "bña"},
		{"日本語", "語本日"},
		{"a👋🏽", "🏽👋a"}, // a code point each: the skin tone modifier leads
		{"x\xffy", "y\uFFFDx"},
	} {
		assert.Equal(t, tc.want, shout.Reverse(tc.in), "Reverse(%q)", tc.in)
	}
}

func TestShout_ConcurrentIdenticalRequestsMakeOneUpstreamCall(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	// Slow enough that every caller arrives while the first call is out.
	up.Set(shoutcloudtest.Behaviour{Delay: 300 * time.Millisecond})
	r := newReplica(t, up.URL, redistest.Start(t).Addr)

	const n = 50
	var wg sync.WaitGroup
	answers := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = r.svc.Shout(context.Background(), "flight") })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, "THGILF", answers[i])
	}
	assert.EqualValues(t, 1, up.Calls())
}

func TestShout_CallerGivingUpDoesNotFailTheOthers(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Delay: 200 * time.Millisecond})
	r := newReplica(t, up.URL, redistest.Start(t).Addr)

	impatient, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := r.svc.Shout(impatient, "patience"); done <- err }()
	time.Sleep(5 * time.Millisecond) // let the impatient caller start the shared lookup
	out, err := r.svc.Shout(context.Background(), "patience")
	require.NoError(t, err)
	assert.Equal(t, "ECNEITAP", out)
	require.ErrorIs(t, <-done, context.DeadlineExceeded)
	assert.EqualValues(t, 1, up.Calls())
}

func TestShout_CacheIsSharedByReplicas(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	redis := redistest.Start(t)
	first, second := newReplica(t, up.URL, redis.Addr), newReplica(t, up.URL, redis.Addr)
	ctx := context.Background()

	out, err := first.svc.Shout(ctx, "cached")
	require.NoError(t, err)
	assert.Equal(t, "DEHCAC", out)
	assert.InDelta(t, 1, first.cacheCount("miss"), 0)

	out, err = first.svc.Shout(ctx, "cached")
	require.NoError(t, err)
	assert.Equal(t, "DEHCAC", out)
	assert.InDelta(t, 1, first.cacheCount("hit"), 0)

	out, err = second.svc.Shout(ctx, "cached")
	require.NoError(t, err)
	assert.Equal(t, "DEHCAC", out)
	assert.InDelta(t, 1, second.cacheCount("hit"), 0, "another replica finds the answer")
	assert.EqualValues(t, 1, up.Calls())

	keys, err := redis.Do("KEYS", "shout:v1:*")
	require.NoError(t, err)
	require.Len(t, keys, 1)
	ttl, err := redis.Do("TTL", keys.([]any)[0])
	require.NoError(t, err)
	assert.Greater(t, ttl, int64(3500), "stored with the TTL")
}

func TestShout_RedisOutageDegradesToNoCacheAndRecovers(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	redis := redistest.Start(t)
	r := newReplica(t, up.URL, redis.Addr)
	ctx := context.Background()

	_, err := r.svc.Shout(ctx, "before")
	require.NoError(t, err)
	require.EqualValues(t, 1, up.Calls())

	redis.Kill()
	for i := range 3 {
		out, err := r.svc.Shout(ctx, "before")
		require.NoError(t, err, "request %d with Redis down", i)
		assert.Equal(t, "EROFEB", out)
	}
	assert.EqualValues(t, 4, up.Calls(), "without the cache every request asks the upstream")
	assert.InDelta(t, 3, r.cacheCount("error"), 0)
	assert.InDelta(t, 3, r.cacheCount("set_error"), 0)

	redis.Restart() // empty: it kept nothing
	_, err = r.svc.Shout(ctx, "after")
	require.NoError(t, err)
	_, err = r.svc.Shout(ctx, "after")
	require.NoError(t, err)
	assert.EqualValues(t, 5, up.Calls(), "cached again once Redis is back")
	assert.InDelta(t, 1, r.cacheCount("hit"), 0)
}

func TestShout_UpstreamFailureIsReturnedAndNotCached(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Status: http.StatusInternalServerError, Times: 2})
	r := newReplica(t, up.URL, redistest.Start(t).Addr)

	_, err := r.svc.Shout(context.Background(), "oops")
	require.Error(t, err)
	assert.Equal(t, upstream.KindServer, upstream.Kind(err))
	out, err := r.svc.Shout(context.Background(), "oops")
	require.NoError(t, err)
	assert.Equal(t, "SPOO", out)
}

func TestShout_HungRedisCostsItsTimeoutNotTheRequest(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	redis := redistest.Start(t)
	r := newReplica(t, up.URL, redis.Addr)

	// DEBUG SLEEP stalls the server with its connections open: a Redis that
	// accepts and never answers, unlike a killed one that refuses at once.
	stalled := make(chan error, 1)
	go func() { _, err := redis.Do("DEBUG", "SLEEP", "2"); stalled <- err }()
	require.Eventually(t, func() bool {
		c := goredis.NewClient(&goredis.Options{Addr: redis.Addr, MaxRetries: -1, ReadTimeout: 50 * time.Millisecond})
		defer c.Close()
		return c.Ping(context.Background()).Err() != nil
	}, time.Second, 10*time.Millisecond, "Redis stalls")

	out, err := r.svc.Shout(context.Background(), "hung")
	require.NoError(t, err)
	assert.Equal(t, "GNUH", out)
	assert.InDelta(t, 1, r.cacheCount("error"), 0, "the lookup timed out")
	assert.InDelta(t, 1, r.cacheCount("set_error"), 0, "and so did the store")
	require.NoError(t, <-stalled)
}
