package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doc-search/gitops/app/internal/buildinfo"
)

// Options are what a Server is built from.
type Options struct {
	Log      *slog.Logger
	Registry *prometheus.Registry // the service's own registry, served on the metrics port
	// Namespace prefixes every metric name: "visitors" gives
	// visitors_http_requests_total and visitors_build_info.
	Namespace string
	Info      buildinfo.Info
	// Ready is asked on every /readyz, with ReadyTimeout; an error makes
	// /readyz answer 503 with the error's text. Nil means always ready.
	Ready        func(context.Context) error
	ReadyTimeout time.Duration // default 2s
}

// Server is a service's API: the routes the service adds with Handle, and
// /healthz, /readyz and /version, every one instrumented and access-logged.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	metrics  *httpMetrics
	draining atomic.Bool
	idPrefix string
	idSeq    atomic.Uint64
}

// New returns a Server and registers its HTTP metrics and build info on
// opts.Registry.
func New(opts Options) *Server {
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Second
	}
	var prefix [4]byte
	_, _ = rand.Read(prefix[:])
	s := &Server{
		opts:     opts,
		mux:      http.NewServeMux(),
		metrics:  newHTTPMetrics(opts.Registry, opts.Namespace, opts.Info),
		idPrefix: hex.EncodeToString(prefix[:]) + "-",
	}
	s.Handle("GET /healthz", "healthz", http.HandlerFunc(s.healthz))
	s.Handle("GET /readyz", "readyz", http.HandlerFunc(s.readyz))
	s.Handle("GET /version", "version", http.HandlerFunc(s.version))
	return s
}

// Handle serves pattern (http.ServeMux syntax, "GET /api/stats") with h,
// labelled handler in metrics and logs. Keep handler names few: they are
// label values.
func (s *Server) Handle(pattern, handler string, h http.Handler) {
	s.mux.Handle(pattern, s.instrument(handler, h))
}

// Handler is the API's HTTP handler. A request no route takes answers JSON,
// instrumented as handler "unmatched": 405 with Allow when the path has
// routes for other methods, else 404.
func (s *Server) Handler() http.Handler {
	unmatched := s.instrument("unmatched", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path+": use "+strings.Join(allow, " or "))
			return
		}
		WriteError(w, http.StatusNotFound, "no such path: "+r.URL.Path)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := s.mux.Handler(r); pattern == "" {
			unmatched.ServeHTTP(w, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// allowed lists the methods that have a route for r's path.
func (s *Server) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

// Drain turns readiness off for good; every other route keeps serving.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.ReadyTimeout)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
			return
		}
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, s.opts.Info)
}

// WriteJSON writes v as the JSON body of a response with code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// WriteError writes {"error": msg} with code.
func WriteError(w http.ResponseWriter, code int, msg string) {
	WriteJSON(w, code, map[string]string{"error": msg})
}

type requestIDKey struct{}

// RequestID is the ID of the request ctx belongs to, for a handler's own
// log lines; "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// instrument wraps h with the request ID, metrics and the access log.
func (s *Server) instrument(handler string, h http.Handler) http.Handler {
	hm := s.metrics.forHandler(handler)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		hm.inFlight.Inc()
		defer hm.inFlight.Dec()

		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = s.idPrefix + strconv.FormatUint(s.idSeq.Add(1), 10)
		}
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))

		elapsed := time.Since(start)
		hm.observe(r.Method, rec.code, elapsed)
		s.opts.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", id),
			slog.String("handler", handler),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.code),
			slog.Int("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// validRequestID accepts a caller's X-Request-ID only when it is short,
// printable ASCII, so logs cannot be forged or flooded through it.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' || id[i] == '"' || id[i] == '\\' {
			return false
		}
	}
	return true
}

// recorder remembers the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	code        int
	bytes       int
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
