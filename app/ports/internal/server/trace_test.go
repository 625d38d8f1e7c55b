package server

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/port"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

// The SDK's own span recorder shows the spans' shape without a collector;
// the Jaeger test shows them arriving.
func TestTrace_SpansNamedByRouteWithTheStoreAsChild(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s := memstore.New()
	require.NoError(t, s.Replace(context.Background(), func(u port.Upserter) error {
		return u.Upsert(context.Background(), fixture[0])
	}))
	log := slog.New(slog.DiscardHandler)
	ready := &Readiness{}
	svc := service.New(service.Options{Log: log, Registry: service.NewRegistry(), Namespace: metrics.Namespace, Info: buildinfo.Info{}, Ready: ready.Check})
	Register(svc, tracing.Store(s, tp, "memory"), log, ready)
	h := Trace(svc.Handler(), tp, propagation.TraceContext{})

	tests := []struct {
		target, wantSpan, wantRoute, wantChild string
		wantCode                               int64
	}{
		{"/ports/NLRTM", "GET /ports/{code}", "/ports/{code}", "store.Get", 200},
		{"/ports/XXXXX", "GET /ports/{code}", "/ports/{code}", "store.Get", 404},
		{"/ports?limit=1", "GET /ports", "/ports", "store.List", 200},
		{"/version", "GET /version", "/version", "", 200},
		{"/nope", "GET", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			before := len(rec.Ended())
			get(t, h, tt.target)
			spans := rec.Ended()[before:]
			byName := map[string]sdktrace.ReadOnlySpan{}
			for _, sp := range spans {
				byName[sp.Name()] = sp
			}
			srv, ok := byName[tt.wantSpan]
			require.True(t, ok, "no span %q among %d", tt.wantSpan, len(spans))
			attrs := map[attribute.Key]attribute.Value{}
			for _, a := range srv.Attributes() {
				attrs[a.Key] = a.Value
			}
			assert.Equal(t, tt.wantCode, attrs["http.response.status_code"].AsInt64())
			if tt.wantRoute == "" {
				assert.NotContains(t, attrs, attribute.Key("http.route"))
			} else {
				assert.Equal(t, tt.wantRoute, attrs["http.route"].AsString())
			}
			if tt.wantChild == "" {
				assert.Len(t, spans, 1)
				return
			}
			child, ok := byName[tt.wantChild]
			require.True(t, ok)
			assert.Equal(t, srv.SpanContext().SpanID(), child.Parent().SpanID())
			assert.Equal(t, srv.SpanContext().TraceID(), child.SpanContext().TraceID())
		})
	}

	before := len(rec.Ended())
	get(t, h, "/ready")
	get(t, h, "/healthz")
	assert.Len(t, rec.Ended(), before, "probes are not traced")
}
