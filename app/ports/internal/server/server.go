// Package server is the ports service's HTTP API: thin handlers over a
// port.Store, added to the shared service's routes, and the tracing around
// them: each request a span (HTTP semantic conventions, through otelhttp)
// whose trace ID the response and every log line of the request carry.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/doc-search/gitops/app/internal/service"
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

// Readiness is ready once the first load completed, until the drain.
type Readiness struct {
	loaded, draining atomic.Bool
}

// Loaded marks the first load complete.
func (r *Readiness) Loaded() { r.loaded.Store(true) }

// Drain turns readiness off for good.
func (r *Readiness) Drain() { r.draining.Store(true) }

// Check is the service's readiness check.
func (r *Readiness) Check(context.Context) error {
	switch {
	case r.draining.Load():
		return errors.New("shutting down")
	case !r.loaded.Load():
		return errors.New("loading the data file")
	}
	return nil
}

// Register adds the ports API to svc: GET /ports, GET /ports/{code}, and
// GET /ready, the name this service's contract gives /readyz.
func Register(svc *service.Server, store port.Store, log *slog.Logger, ready *Readiness) {
	h := handlers{store: store, log: log}
	svc.Handle("GET /ports", "list", http.HandlerFunc(h.list))
	svc.Handle("GET /ports/{code}", "get", http.HandlerFunc(h.get))
	svc.Handle("GET /ready", "ready", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ready.Check(r.Context()); err != nil {
			service.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
			return
		}
		service.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}))
}

// probes are not traced: they would flood the traces; their metrics and
// access log lines remain.
var probes = map[string]bool{"/healthz": true, "/readyz": true, "/ready": true}

// Trace wraps the whole API, so the request's span is in the context of
// everything below it, the access log line included: a span per request
// continuing an incoming traceparent, named by route, with the trace ID
// in the response header.
func Trace(h http.Handler, tp trace.TracerProvider, prop propagation.TextMapPropagator) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := tracing.TraceID(r.Context()); id != "" {
			w.Header().Set(TraceIDHeader, id)
		}
		h.ServeHTTP(w, r)
		if _, route := method(r); route != "" {
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("http.route", route))
		}
	})
	return otelhttp.NewHandler(inner, "ports",
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(prop),
		otelhttp.WithFilter(func(r *http.Request) bool { return !probes[r.URL.Path] }),
		// otelhttp names the span again once the handler has run, when the
		// mux below has set r.Pattern on this same request.
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if m, route := method(r); route != "" {
				return m + " " + route
			}
			return r.Method
		}))
}

// method splits the mux pattern that served r ("GET /ports/{code}") into
// its method and route, as HTTP semantic conventions name a server span
// ("{method} {http.route}"); the route is "" before routing or when no
// pattern matched.
func method(r *http.Request) (string, string) {
	if m, route, ok := strings.Cut(r.Pattern, " "); ok {
		return m, route
	}
	return r.Method, r.Pattern
}

type handlers struct {
	store port.Store
	log   *slog.Logger
}

type listResponse struct {
	Ports []port.Port `json:"ports"`
	Next  string      `json:"next,omitempty"`
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			service.WriteError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want a whole number from 1 to %d", v, MaxLimit))
			return
		}
		limit = n
	}
	page, err := h.store.List(r.Context(), port.Query{Country: q.Get("country"), After: q.Get("after"), Limit: limit})
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	service.WriteJSON(w, http.StatusOK, listResponse{Ports: page.Ports, Next: page.Next})
}

func (h handlers) get(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	p, err := h.store.Get(r.Context(), code)
	if errors.Is(err, port.ErrNotFound) {
		service.WriteError(w, http.StatusNotFound, fmt.Sprintf("no port with UN/LOCODE %q", code))
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	service.WriteJSON(w, http.StatusOK, p)
}

func (h handlers) internalError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "store failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	service.WriteError(w, http.StatusInternalServerError, "internal error")
}
