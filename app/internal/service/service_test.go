package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/flagenv"
)

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

func newTestServer(t *testing.T, ready func(context.Context) error) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s := New(Options{
		Log:       NewLogger(logs, "info"),
		Registry:  NewRegistry(),
		Namespace: "svc",
		Info:      buildinfo.Info{Version: "1.2.3", Build: "7", Commit: "abc"},
		Ready:     ready,
	})
	s.Handle("GET /hello", "hello", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"request_id": RequestID(r.Context())})
	}))
	return s, logs
}

func get(t *testing.T, h http.Handler, method, path string, header http.Header) (int, http.Header, map[string]string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), "body %q", w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	return w.Code, w.Header(), body
}

func TestServer_Routes(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler()
	tests := []struct {
		method, path string
		code         int
		body         map[string]string
	}{
		{"GET", "/healthz", 200, map[string]string{"status": "alive"}},
		{"GET", "/readyz", 200, map[string]string{"status": "ready"}},
		{"GET", "/version", 200, map[string]string{"version": "1.2.3", "build": "7", "commit": "abc"}},
		{"GET", "/nowhere", 404, map[string]string{"error": "no such path: /nowhere"}},
		{"POST", "/healthz", 405, map[string]string{"error": "method POST not allowed on /healthz: use GET or HEAD"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			code, header, body := get(t, h, tt.method, tt.path, nil)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.body, body)
			if tt.code == 405 {
				assert.Equal(t, "GET, HEAD", header.Get("Allow"))
			}
		})
	}
}

func TestServer_ReadinessFollowsCheckAndDrain(t *testing.T) {
	var down atomic.Bool
	s, _ := newTestServer(t, func(ctx context.Context) error {
		if down.Load() {
			return errors.New("database unreachable")
		}
		return nil
	})
	h := s.Handler()
	code, _, _ := get(t, h, "GET", "/readyz", nil)
	assert.Equal(t, 200, code)

	down.Store(true)
	code, _, body := get(t, h, "GET", "/readyz", nil)
	assert.Equal(t, 503, code)
	assert.Equal(t, map[string]string{"status": "not ready", "error": "database unreachable"}, body)

	down.Store(false)
	code, _, _ = get(t, h, "GET", "/readyz", nil)
	assert.Equal(t, 200, code, "readiness comes back with the check")

	s.Drain()
	code, _, body = get(t, h, "GET", "/readyz", nil)
	assert.Equal(t, 503, code)
	assert.Equal(t, "shutting down", body["status"])
	code, _, _ = get(t, h, "GET", "/hello", nil)
	assert.Equal(t, 200, code, "routes keep serving while draining")
}

func TestServer_RequestIDsAndAccessLog(t *testing.T) {
	s, logs := newTestServer(t, nil)
	h := s.Handler()

	_, header, body := get(t, h, "GET", "/hello", http.Header{"X-Request-Id": {"caller-42"}})
	assert.Equal(t, "caller-42", header.Get("X-Request-Id"))
	assert.Equal(t, "caller-42", body["request_id"], "handlers see the ID in their context")

	_, header, body = get(t, h, "GET", "/hello", http.Header{"X-Request-Id": {`forged"id`}})
	generated := header.Get("X-Request-Id")
	assert.NotEqual(t, `forged"id`, generated, "an unsafe caller ID is replaced")
	assert.Equal(t, generated, body["request_id"])

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	var entry map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &entry))
	assert.Equal(t, "request", entry["msg"])
	assert.Equal(t, "caller-42", entry["request_id"])
	assert.Equal(t, "hello", entry["handler"])
	assert.Equal(t, float64(200), entry["status"])
}

func TestServer_MetricsOnThePassedRegistry(t *testing.T) {
	reg := NewRegistry()
	s := New(Options{Log: NewLogger(io.Discard, "info"), Registry: reg, Namespace: "svc", Info: buildinfo.Info{Version: "1", Build: "2", Commit: "3"}})
	h := s.Handler()
	for range 3 {
		get(t, h, "GET", "/healthz", nil)
	}
	get(t, h, "GET", "/missing", nil)
	assert.Equal(t, 3.0, testutil.ToFloat64(s.metrics.requests.WithLabelValues("healthz", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(s.metrics.requests.WithLabelValues("unmatched", "GET", "404")))
	n, err := testutil.GatherAndCount(reg, "svc_build_info", "svc_http_request_duration_seconds", "go_goroutines")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "build info, two duration series, the Go collector")
}

func TestConfig_DefaultsAndValidation(t *testing.T) {
	var c Config
	fs := flagenv.New("svc", "SVC_", io.Discard)
	c.Register(fs)
	require.NoError(t, fs.Parse(nil, func(string) string { return "" }))
	assert.Equal(t, Config{Addr: ":8080", MetricsAddr: ":8000", DrainDelay: 5 * time.Second, ShutdownTimeout: 10 * time.Second, LogLevel: "info"}, c)
	require.NoError(t, c.Validate())

	bad := Config{Addr: "", MetricsAddr: ":8000", DrainDelay: -time.Second, LogLevel: "loud"}
	err := bad.Validate()
	require.Error(t, err)
	for _, want := range []string{"--addr must not be empty", "--drain-delay must not be negative", `--log-level: unknown log level "loud"`} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestServe_DrainsOnCancel runs the real listeners: after the context ends
// (SIGTERM in main), /readyz fails while requests are still served, then
// Serve returns.
func TestServe_DrainsOnCancel(t *testing.T) {
	s, logs := newTestServer(t, nil)
	c := Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", DrainDelay: 400 * time.Millisecond, ShutdownTimeout: time.Second, LogLevel: "info"}
	l, err := Listen(c)
	require.NoError(t, err)
	api := "http://" + l.API.Addr().String()
	metricsURL := "http://" + l.Metrics.Addr().String() + "/metrics"

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c, l, s, s.opts.Registry) }()

	status := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	assert.Equal(t, 200, status(api+"/readyz"))
	assert.Equal(t, 200, status(metricsURL))

	cancel()
	assert.Eventually(t, func() bool { return status(api+"/readyz") == 503 }, time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, status(api+"/hello"), "still serving during the drain delay")
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	assert.Equal(t, 0, status(api+"/healthz"), "listener closed")
	assert.Contains(t, logs.String(), `"msg":"stopped"`)
}

func TestListen_TakenPortNamesTheFlag(t *testing.T) {
	l, err := Listen(Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	defer l.API.Close()
	defer l.Metrics.Close()
	_, err = Listen(Config{Addr: "127.0.0.1:0", MetricsAddr: l.Metrics.Addr().String()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listening on --metrics-addr "+l.Metrics.Addr().String())
}
