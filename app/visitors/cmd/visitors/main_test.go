package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/pgtest"
)

const hashKey = "0123456789abcdef0123456789abcdef"

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRun_MissingDatabaseURLFailsAtStart(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), nil, func(k string) string {
		if k == "VISITORS_HASH_KEY" {
			return hashKey
		}
		return ""
	}, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "visitors: DATABASE_URL is required")
}

// TestRun_ServesAndSurvivesADatabaseOutage migrates a real database, serves
// on real ports, stops PostgreSQL under the running service and starts it
// again: readiness and requests fail with 503 JSON while it is down and
// come back by themselves.
func TestRun_ServesAndSurvivesADatabaseOutage(t *testing.T) {
	pg := pgtest.Start(t)
	env := map[string]string{
		"DATABASE_URL":                pg.CreateDatabase("visitors"),
		"VISITORS_HASH_KEY":           hashKey,
		"VISITORS_ADDR":               freeAddr(t),
		"VISITORS_METRICS_ADDR":       freeAddr(t),
		"VISITORS_DRAIN_DELAY":        "100ms",
		"VISITORS_DB_QUERY_TIMEOUT":   "1s",
		"VISITORS_DB_CONNECT_TIMEOUT": "1s",
		"USER_NAME":                   "Ada <Lovelace>",
		"USER_URL":                    "https://example.org/ada",
	}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	var migrateOut bytes.Buffer
	require.Equal(t, 0, run(ctx, []string{"migrate"}, getenv, &migrateOut, io.Discard), migrateOut.String())
	assert.Contains(t, migrateOut.String(), `"msg":"migration applied"`)

	serveCtx, stop := context.WithCancel(ctx)
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(serveCtx, nil, getenv, logs, logs) }()
	api := "http://" + env["VISITORS_ADDR"]

	client := &http.Client{Timeout: 5 * time.Second}
	call := func(path, agent string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, api+path, nil)
		require.NoError(t, err)
		req.Header.Set("User-Agent", agent)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	stats := func(agent string) (int, map[string]any) {
		code, body := call("/api/stats", agent)
		var v map[string]any
		_ = json.Unmarshal([]byte(body), &v)
		return code, v
	}
	require.Eventually(t, func() bool { c, _ := call("/readyz", "probe"); return c == 200 }, 10*time.Second, 50*time.Millisecond, logs.String())

	code, first := stats("browser-a")
	require.Equal(t, 200, code)
	assert.Equal(t, 1.0, first["unique_visitors"])
	assert.Equal(t, 1.0, first["today"])
	seen, err := time.Parse(time.RFC3339, first["first_seen"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), seen, time.Minute)
	code, _ = stats("browser-b")
	require.Equal(t, 200, code)
	code, again := stats("browser-a")
	require.Equal(t, 200, code)
	assert.Equal(t, 2.0, again["unique_visitors"], "a returning visitor is not counted again")
	assert.Equal(t, first["first_seen"], again["first_seen"])

	code, page := call("/", "browser-a")
	require.Equal(t, 200, code)
	assert.Contains(t, page, `<a href="https://example.org/ada">Ada &lt;Lovelace&gt;</a>`, "name linked and escaped")
	assert.Contains(t, page, `<dd id="unique">2</dd>`)
	code, version := call("/version", "probe")
	require.Equal(t, 200, code)
	assert.JSONEq(t, `{"version":"dev","build":"dev","commit":"dev"}`, version)

	pg.Stop()
	require.Eventually(t, func() bool { c, _ := call("/readyz", "probe"); return c == 503 }, 10*time.Second, 50*time.Millisecond)
	code, body := call("/api/stats", "browser-c")
	assert.Equal(t, 503, code)
	assert.JSONEq(t, `{"error":"database unavailable, try again shortly"}`, body)
	code, _ = call("/healthz", "probe")
	assert.Equal(t, 200, code, "alive while the database is down: no restart loop")

	pg.Start()
	require.Eventually(t, func() bool { c, _ := call("/readyz", "probe"); return c == 200 }, 20*time.Second, 100*time.Millisecond, "ready again by itself")
	code, after := stats("browser-c")
	require.Equal(t, 200, code)
	assert.Equal(t, 3.0, after["unique_visitors"])

	resp, err := client.Get("http://" + env["VISITORS_METRICS_ADDR"] + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`visitors_http_requests_total{code="503",handler="stats",method="GET"} 1`, "visitors_store_failures_total 1",
		`visitors_build_info{build="dev",commit="dev",version="dev"} 1`, "visitors_db_pool_max_connections 8"} {
		assert.Contains(t, string(metrics), m)
	}

	stop()
	select {
	case c := <-done:
		assert.Equal(t, 0, c, logs.String())
	case <-time.After(15 * time.Second):
		t.Fatal("visitors did not stop after the signal")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), "every log line is JSON: %s", line)
	}
}
