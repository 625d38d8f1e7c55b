package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/shout/internal/metrics"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

func newClient(t *testing.T, url string, edit func(*upstream.Config)) (*upstream.Client, *metrics.Metrics) {
	t.Helper()
	cfg := upstream.Config{
		URL: url, Timeout: 2 * time.Second, Retries: 2, Backoff: time.Millisecond,
		BreakerFailures: 100, BreakerOpen: time.Minute,
	}
	if edit != nil {
		edit(&cfg)
	}
	m := metrics.New(prometheus.NewRegistry())
	c, err := upstream.New(cfg, m)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, m
}

func TestCapitalize_SpeaksTheProtocol(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	c, m := newClient(t, up.URL, nil)

	out, err := c.Capitalize(context.Background(), "tset ñ")
	require.NoError(t, err)
	assert.Equal(t, "TSET Ñ", out)
	assert.EqualValues(t, 1, up.Calls())
	assert.Equal(t, 1, testutil.CollectAndCount(m.UpstreamDuration))
}

func TestCapitalize_RetriesFailuresARepeatMayCure(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		times     int
		wantCalls int64
		wantKind  string // "" for success
	}{
		{name: "503 twice then ok", status: http.StatusServiceUnavailable, times: 2, wantCalls: 3},
		{name: "429 once then ok", status: http.StatusTooManyRequests, times: 1, wantCalls: 2},
		{name: "503 always: retries bounded", status: http.StatusServiceUnavailable, wantCalls: 3, wantKind: upstream.KindServer},
		{name: "400 is not retried", status: http.StatusBadRequest, wantCalls: 1, wantKind: upstream.KindRejected},
		{name: "404 is not retried", status: http.StatusNotFound, wantCalls: 1, wantKind: upstream.KindRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := shoutcloudtest.New()
			defer up.Close()
			up.Set(shoutcloudtest.Behaviour{Status: tc.status, Times: tc.times})
			c, m := newClient(t, up.URL, nil)

			out, err := c.Capitalize(context.Background(), "abc")
			if tc.wantKind == "" {
				require.NoError(t, err)
				assert.Equal(t, "ABC", out)
			} else {
				require.Error(t, err)
				assert.Equal(t, tc.wantKind, upstream.Kind(err))
				assert.Contains(t, err.Error(), http.StatusText(tc.status))
			}
			assert.Equal(t, tc.wantCalls, up.Calls())
			assert.InDelta(t, float64(tc.wantCalls-1), testutil.ToFloat64(m.UpstreamRetries), 0)
		})
	}
}

func TestCapitalize_GarbageIsAnErrorNotAnAnswer(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Garbage: true})
	c, m := newClient(t, up.URL, nil)

	_, err := c.Capitalize(context.Background(), "abc")
	require.Error(t, err)
	assert.Equal(t, upstream.KindGarbage, upstream.Kind(err))
	assert.EqualValues(t, 1, up.Calls(), "a garbled answer would come again: not retried")
	assert.InDelta(t, 1, testutil.ToFloat64(m.UpstreamErrors.WithLabelValues(upstream.KindGarbage)), 0)
}

func TestCapitalize_SlowUpstreamTimesOutAndIsRetried(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Delay: time.Minute})
	c, m := newClient(t, up.URL, func(c *upstream.Config) { c.Timeout = 50 * time.Millisecond; c.Retries = 1 })

	_, err := c.Capitalize(context.Background(), "abc")
	require.Error(t, err)
	assert.Equal(t, upstream.KindTimeout, upstream.Kind(err))
	assert.EqualValues(t, 2, up.Calls())
	assert.InDelta(t, 2, testutil.ToFloat64(m.UpstreamErrors.WithLabelValues(upstream.KindTimeout)), 0)
}

func TestCapitalize_UnreachableUpstreamIsANetworkError(t *testing.T) {
	up := shoutcloudtest.New()
	url := up.URL
	up.Close()
	c, _ := newClient(t, url, func(c *upstream.Config) { c.Retries = 0 })

	_, err := c.Capitalize(context.Background(), "abc")
	require.Error(t, err)
	assert.Equal(t, upstream.KindNetwork, upstream.Kind(err))
}

func TestBreaker_OpensFailsFastAndClosesAfterRecovery(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Status: http.StatusBadGateway})
	const failures = 3
	c, m := newClient(t, up.URL, func(c *upstream.Config) {
		c.Retries = 1
		c.BreakerFailures = failures
		c.BreakerOpen = 300 * time.Millisecond
	})
	ctx := context.Background()

	for i := range failures {
		_, err := c.Capitalize(ctx, "abc")
		require.Error(t, err)
		assert.Equal(t, upstream.KindServer, upstream.Kind(err), "call %d reaches the upstream", i+1)
	}
	assert.EqualValues(t, failures*2, up.Calls(), "each failed call made its retry")
	assert.InDelta(t, 2, c.BreakerState(), 0, "open after %d failed calls", failures)

	_, err := c.Capitalize(ctx, "abc")
	var open *upstream.OpenError
	require.ErrorAs(t, err, &open)
	assert.Positive(t, open.RetryAfter)
	assert.LessOrEqual(t, open.RetryAfter, time.Second)
	assert.EqualValues(t, failures*2, up.Calls(), "an open breaker does not call the upstream")
	assert.InDelta(t, 1, testutil.ToFloat64(m.UpstreamErrors.WithLabelValues(upstream.KindOpen)), 0)

	up.Set(shoutcloudtest.Behaviour{})
	require.Eventually(t, func() bool {
		out, err := c.Capitalize(ctx, "abc")
		return err == nil && out == "ABC"
	}, 5*time.Second, 20*time.Millisecond, "the trial call after the open period succeeds")
	assert.InDelta(t, 0, c.BreakerState(), 0, "closed again")
	assert.InDelta(t, 1, testutil.ToFloat64(m.BreakerTransitions.WithLabelValues("open")), 0)
	assert.InDelta(t, 1, testutil.ToFloat64(m.BreakerTransitions.WithLabelValues("closed")), 0)
}

func TestBreaker_RejectionsDoNotOpenIt(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	up.Set(shoutcloudtest.Behaviour{Status: http.StatusBadRequest})
	c, _ := newClient(t, up.URL, func(c *upstream.Config) { c.BreakerFailures = 2 })

	for range 5 {
		_, err := c.Capitalize(context.Background(), "abc")
		var open *upstream.OpenError
		require.False(t, errors.As(err, &open), "a 400 means the upstream is up")
	}
	assert.InDelta(t, 0, c.BreakerState(), 0)
}

func TestNew_RejectsBadSettings(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	for _, tc := range []struct {
		name string
		cfg  upstream.Config
		want string
	}{
		{"no scheme", upstream.Config{URL: "api.shoutcloud.io", Timeout: time.Second, BreakerFailures: 1, BreakerOpen: time.Second}, `"api.shoutcloud.io"`},
		{"zero timeout", upstream.Config{URL: "http://x", BreakerFailures: 1, BreakerOpen: time.Second}, "timeout"},
		{"no breaker failures", upstream.Config{URL: "http://x", Timeout: time.Second, BreakerOpen: time.Second}, "breaker failures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := upstream.New(tc.cfg, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
