package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/api"
	"github.com/doc-search/gitops/app/shout/internal/redistest"
	"github.com/doc-search/gitops/app/shout/internal/shoutcloudtest"
)

// testApp is the assembled service over real HTTP, against the stand-in
// upstream and a real Redis.
type testApp struct {
	*app
	api      *api.API
	upstream *shoutcloudtest.Server
	http     *httptest.Server
}

func newTestApp(t testing.TB, redisAddr string, args ...string) *testApp {
	t.Helper()
	up := shoutcloudtest.New()
	t.Cleanup(up.Close)
	args = append([]string{"--upstream", up.URL, "--redis", redisAddr, "--upstream-backoff", "1ms"}, args...)
	cfg, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	a, err := newApp(cfg, service.NewLogger(io.Discard, "error"), buildinfo.Info{Version: "1.0.0", Build: "7", Commit: "abc"})
	require.NoError(t, err)
	srv := httptest.NewServer(a.server.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testApp{app: a, api: a.shoutAPI, upstream: up, http: srv}
}

func (a *testApp) do(t testing.TB, method, path, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.http.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.http.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestParseConfig_ReportsBadSettingsByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"ttl", []string{"--cache-ttl", "0s"}, nil, "--cache-ttl must be positive"},
		{"max chars", []string{"--max-chars", "0"}, nil, "--max-chars must be at least 1"},
		{"retries", []string{"--upstream-retries", "11"}, nil, "--upstream-retries must be at most 10"},
		{"env", nil, map[string]string{"SHOUT_BREAKER_OPEN": "soon"}, `SHOUT_BREAKER_OPEN="soon": want a duration`},
		{"log level", []string{"--log-level", "loud"}, nil, `--log-level: unknown log level "loud"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	cfg, err := parseConfig(nil, func(k string) string {
		return map[string]string{"SHOUT_REDIS": "redis:6379", "SHOUT_UPSTREAM": "http://up"}[k]
	}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "redis:6379", cfg.Redis)
	assert.Equal(t, "http://up", cfg.Upstream.URL)
	assert.Equal(t, 2*2*time.Second+450*time.Millisecond+time.Second+2*time.Second, cfg.lookupTimeout(),
		"three attempts of 2s, backoffs of at most 150ms and 300ms, a second for the cache")
}

func TestRun_ServesUntilTheContextEndsThenDrains(t *testing.T) {
	up := shoutcloudtest.New()
	defer up.Close()
	redis := redistest.Start(t)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--upstream", up.URL,
			"--redis", redis.Addr, "--drain-delay", "0s"}, func(string) string { return "" }, logs, io.Discard)
	}()
	var addr, metricsAddr string
	listening := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)","metrics_addr":"([^"]+)"`)
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(logs.String())
		if m != nil {
			addr, metricsAddr = m[1], m[2]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "logs: %s", logs)

	resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(`{"data":"test"}`))
	require.NoError(t, err)
	var got map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	resp.Body.Close()
	assert.Equal(t, map[string]string{"data": "TSET"}, got)

	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	metrics, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	for _, name := range []string{
		`shout_cache_requests_total{result="miss"} 1`,
		`shout_upstream_request_duration_seconds_count{outcome="ok"} 1`,
		`shout_upstream_breaker_state 0`,
		`shout_http_requests_total{code="200",handler="shout",method="POST"} 1`,
	} {
		assert.Contains(t, string(metrics), name)
	}

	cancel()
	select {
	case c := <-code:
		assert.Equal(t, 0, c)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
	assert.Contains(t, logs.String(), `"msg":"stopped"`)
}

// syncBuffer is a log sink the server's goroutines may write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
