// Package server is the ports service's HTTP API: thin handlers over a
// port.Store, each request a span (HTTP semantic conventions, through
// otelhttp) whose trace ID the response and the access log carry.
package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/port"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

// TraceIDHeader carries the request's trace ID in every response, so a
// user can look the trace up from a response as from a log line.
const TraceIDHeader = "X-Trace-Id"

// Page sizes of GET /ports.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Server serves the API.
type Server struct {
	store   port.Store
	log     *slog.Logger
	metrics *metrics.Metrics
	info    buildinfo.Info
	handler http.Handler

	ready    atomic.Bool // the first load completed
	draining atomic.Bool
}

// New builds the server's handler, tracing with tp and reading incoming
// trace context with prop.
func New(store port.Store, log *slog.Logger, m *metrics.Metrics, info buildinfo.Info, tp trace.TracerProvider, prop propagation.TextMapPropagator) *Server {
	s := &Server{store: store, log: log, metrics: m, info: info}
	mux := http.NewServeMux()
	route := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.observe(pattern, h)) }
	route("GET /ports", s.list)
	route("GET /ports/{code}", s.get)
	route("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	route("GET /ready", s.readyz)
	route("GET /readyz", s.readyz)
	route("GET /version", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.info) })
	route("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	s.handler = otelhttp.NewHandler(mux, "ports",
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(prop),
		// Probes would flood the traces; their metrics and logs remain.
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/healthz" && r.URL.Path != "/ready" && r.URL.Path != "/readyz"
		}))
	return s
}

// Handler is the API, /healthz, /ready and /version.
func (s *Server) Handler() http.Handler { return s.handler }

// SetReady marks the first load complete.
func (s *Server) SetReady() { s.ready.Store(true) }

// Drain makes /ready fail from now on, while requests are still served.
func (s *Server) Drain() { s.draining.Store(true) }

// statusWriter remembers the status code for the metrics and the log.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// observe runs inside the request's span: it names the route on the span,
// puts the trace ID on the response, and measures and logs the request.
func (s *Server) observe(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("http.route", pattern))
		if id := tracing.TraceID(ctx); id != "" {
			w.Header().Set(TraceIDHeader, id)
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(sw, r)
		elapsed := time.Since(start)
		code := strconv.Itoa(sw.code)
		s.metrics.RequestDuration.With(prometheus.Labels{"route": pattern, "method": r.Method, "code": code}).Observe(elapsed.Seconds())
		s.log.InfoContext(ctx, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", pattern), slog.Int("status", sw.code), slog.Float64("seconds", elapsed.Seconds()))
	})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	switch {
	case s.draining.Load():
		writeError(w, http.StatusServiceUnavailable, "draining")
	case !s.ready.Load():
		writeError(w, http.StatusServiceUnavailable, "loading the data file")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

type listResponse struct {
	Ports []port.Port `json:"ports"`
	Next  string      `json:"next,omitempty"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want a whole number from 1 to %d", v, MaxLimit))
			return
		}
		limit = n
	}
	page, err := s.store.List(r.Context(), port.Query{Country: q.Get("country"), After: q.Get("after"), Limit: limit})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listResponse{Ports: page.Ports, Next: page.Next})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	p, err := s.store.Get(r.Context(), code)
	if errors.Is(err, port.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no port with UN/LOCODE %q", code))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "store failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, "internal error")
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to tell
}
