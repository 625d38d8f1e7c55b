package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/ports/internal/jaegertest"
	"github.com/doc-search/gitops/app/ports/internal/loader"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/server"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines whose msg is msg.
func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for l := range strings.Lines(s.b.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func spanNamed(t *testing.T, tr jaegertest.Trace, name string) jaegertest.Span {
	t.Helper()
	for _, s := range tr.Spans {
		if s.OperationName == name {
			return s
		}
	}
	var names []string
	for _, s := range tr.Spans {
		names = append(names, s.OperationName)
	}
	t.Fatalf("no span %q in trace %s; spans: %v", name, tr.TraceID, names)
	return jaegertest.Span{}
}

func tag(t *testing.T, s jaegertest.Span, key string) any {
	t.Helper()
	v, ok := s.Tag(key)
	require.True(t, ok, "span %q has no attribute %s; it has %v", s.OperationName, key, s.Tags)
	return v
}

// TestTracing_RequestsAndLoadsReachJaeger sends the service's spans by
// OTLP to a real Jaeger and reads them back from its query API.
func TestTracing_RequestsAndLoadsReachJaeger(t *testing.T) {
	j := jaegertest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", j.OTLPEndpoint)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50") // ms: export promptly
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
	t.Setenv("OTEL_TRACES_SAMPLER_ARG", "1")
	ctx := context.Background()
	tr, err := tracing.Setup(ctx, os.Getenv, "ports", "9.9.9")
	require.NoError(t, err)
	require.True(t, tr.Exporting)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })

	var logs syncBuffer
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(&logs, nil)))
	data := filepath.Join(t.TempDir(), "ports.json")
	require.NoError(t, os.WriteFile(data, []byte(`{"NLRTM": {"name": "Rotterdam", "country": "Netherlands"},
		"BADXX": {"name": 7}, "BEANR": {"name": "Antwerpen", "country": "Belgium"}}`), 0o644))
	store := memstore.New()
	reg := service.NewRegistry()
	m := metrics.New(reg)
	ld := &loader.Loader{Path: data, Store: store, Log: log, Metrics: m, Count: store.Len, Tracer: tr.Provider.Tracer("test")}
	_, err = ld.Load(ctx, "start")
	require.NoError(t, err)
	ready := &server.Readiness{}
	svc := service.New(service.Options{Log: log, Registry: reg, Namespace: metrics.Namespace, Info: buildinfo.Info{}, Ready: ready.Check})
	server.Register(svc, tracing.Store(store, tr.Provider, "memory"), log, ready)
	hs := httptest.NewServer(server.Trace(svc.Handler(), tr.Provider, tr.Propagator))
	defer hs.Close()

	t.Run("the file load is a span with its counts", func(t *testing.T) {
		loaded := logs.lines(t, "loaded")
		require.Len(t, loaded, 1)
		id, _ := loaded[0]["trace_id"].(string)
		require.Len(t, id, 32, "the load's log line carries its trace ID")
		skipped := logs.lines(t, "skipping malformed record")
		require.Len(t, skipped, 1)
		assert.Equal(t, id, skipped[0]["trace_id"])

		trace := j.Trace(t, id, 1, 30*time.Second)
		load := spanNamed(t, trace, "ports.load")
		assert.Empty(t, load.Parent())
		assert.EqualValues(t, 2, tag(t, load, "ports.load.records"))
		assert.EqualValues(t, 1, tag(t, load, "ports.load.malformed"))
		assert.EqualValues(t, "start", tag(t, load, "ports.load.reason"))
		fi, err := os.Stat(data)
		require.NoError(t, err)
		assert.EqualValues(t, fi.Size(), tag(t, load, "ports.load.bytes"))
		assert.Equal(t, "ports", trace.Processes[load.ProcessID].ServiceName)
	})

	t.Run("a request is a server span with the store call as its child", func(t *testing.T) {
		resp, err := http.Get(hs.URL + "/ports/NLRTM")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		id := resp.Header.Get(server.TraceIDHeader)
		require.Len(t, id, 32)

		var line map[string]any
		for _, l := range logs.lines(t, "request") {
			if l["path"] == "/ports/NLRTM" {
				line = l
			}
		}
		require.NotNil(t, line)
		assert.Equal(t, id, line["trace_id"], "the access log line carries the response's trace ID")

		trace := j.Trace(t, id, 2, 30*time.Second)
		assert.Equal(t, id, trace.TraceID)
		req := spanNamed(t, trace, "GET /ports/{code}")
		assert.Empty(t, req.Parent(), "a new trace when none came in")
		assert.Equal(t, line["span_id"], req.SpanID)
		assert.Equal(t, "server", tag(t, req, "span.kind"))
		assert.Equal(t, "GET", tag(t, req, "http.request.method"))
		assert.EqualValues(t, 200, tag(t, req, "http.response.status_code"))
		assert.Equal(t, "/ports/{code}", tag(t, req, "http.route"))
		assert.Equal(t, "/ports/NLRTM", tag(t, req, "url.path"))
		get := spanNamed(t, trace, "store.Get")
		assert.Equal(t, req.SpanID, get.Parent())
		assert.Equal(t, "NLRTM", tag(t, get, "ports.locode"))
		assert.Equal(t, true, tag(t, get, "ports.found"))
		assert.Equal(t, "memory", tag(t, get, "db.system.name"))
	})

	t.Run("an incoming traceparent is continued", func(t *testing.T) {
		const traceID, parentID = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
		req, err := http.NewRequest(http.MethodGet, hs.URL+"/ports?country=Belgium&limit=5", nil)
		require.NoError(t, err)
		req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, traceID, resp.Header.Get(server.TraceIDHeader))

		trace := j.Trace(t, traceID, 2, 30*time.Second)
		srvSpan := spanNamed(t, trace, "GET /ports")
		assert.Equal(t, parentID, srvSpan.Parent(), "the server span is a child of the caller's")
		list := spanNamed(t, trace, "store.List")
		assert.Equal(t, srvSpan.SpanID, list.Parent())
		assert.Equal(t, "Belgium", tag(t, list, "ports.country"))
		assert.EqualValues(t, 1, tag(t, list, "ports.returned"))
	})

	t.Run("a caller's unsampled decision is kept", func(t *testing.T) {
		const traceID = "0af7651916cd43dd8448eb211c80319c"
		req, err := http.NewRequest(http.MethodGet, hs.URL+"/ports/BEANR", nil)
		require.NoError(t, err)
		req.Header.Set("traceparent", "00-"+traceID+"-b7ad6b7169203331-00")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, traceID, resp.Header.Get(server.TraceIDHeader), "the ID still travels")
		// Flush, then the trace must be absent: parent-based sampling.
		require.NoError(t, tr.Provider.(interface{ ForceFlush(context.Context) error }).ForceFlush(ctx))
		time.Sleep(500 * time.Millisecond)
		r, err := http.Get(j.QueryURL + "/api/traces/" + traceID)
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, http.StatusNotFound, r.StatusCode)
	})
}
