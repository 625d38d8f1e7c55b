package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestSetup_ExportsOnlyWithAnEndpoint(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		wantExporting bool
	}{
		{"nothing set: no-op", nil, false},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true},
		{"SDK disabled wins", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Setup(context.Background(), func(k string) string { return tt.env[k] }, "ports", "1.0.0")
			require.NoError(t, err)
			defer func() { assert.NoError(t, tr.Shutdown(context.Background())) }()
			assert.Equal(t, tt.wantExporting, tr.Exporting)
			_, span := tr.Provider.Tracer("test").Start(context.Background(), "x")
			defer span.End()
			assert.Equal(t, tt.wantExporting, span.IsRecording(), "a no-op provider records nothing")
		})
	}
}

func TestSetup_RejectsAnotherProtocol(t *testing.T) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
	_, err := Setup(context.Background(), func(k string) string { return env[k] }, "ports", "1")
	assert.ErrorContains(t, err, `OTEL_EXPORTER_OTLP_PROTOCOL="grpc": this service exports OTLP over HTTP only`)
}

func TestLogHandler_AddsTheTraceToEveryLineWithASpan(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("service", "ports")
	tr, err := Setup(context.Background(), func(string) string { return "" }, "ports", "1")
	require.NoError(t, err)
	// An incoming traceparent, read as the HTTP handler reads it.
	carrier := propagation.MapCarrier{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	ctx := tr.Propagator.Extract(context.Background(), carrier)
	ctx, span := tr.Provider.Tracer("test").Start(ctx, "x")
	defer span.End()
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", TraceID(ctx), "the no-op tracer carries the caller's trace on")

	log.InfoContext(ctx, "with")
	log.Info("without")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 2)
	var with, without map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &with))
	require.NoError(t, json.Unmarshal(lines[1], &without))
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", with["trace_id"])
	assert.Equal(t, trace.SpanContextFromContext(ctx).SpanID().String(), with["span_id"])
	assert.Equal(t, "ports", with["service"])
	assert.NotContains(t, without, "trace_id")
	assert.Empty(t, TraceID(context.Background()))
}
