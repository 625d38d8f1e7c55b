// Package server is doc-search's HTTP API: search, health, readiness and
// version, each instrumented and access-logged.
package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

// Server serves the API. It answers /healthz at once; /readyz and searches
// wait for SetIndex, and /readyz fails again after Drain.
type Server struct {
	log     *slog.Logger
	metrics *metrics.Metrics
	limits  query.Limits
	version []byte // /version body

	idx      atomic.Pointer[searchable]
	draining atomic.Bool

	idPrefix string
	idSeq    atomic.Uint64
}

// searchable is an index with its document IDs ready to be written.
type searchable struct {
	idx *index.Index
	ids resultIDs
}

// resultIDs holds every document ID JSON-quoted, in document order, joined by
// commas: a run of consecutive document numbers in a result is one slice of
// it, copied at once. Common words match nearly every document, so a
// response is a few long copies rather than one per document.
type resultIDs struct {
	joined []byte
	start  []uint32 // start[d]: where document d's ID begins; start[n] is len(joined)+1
}

func newResultIDs(n int, id func(uint32) string) resultIDs {
	r := resultIDs{start: make([]uint32, n+1)}
	for d := range n {
		if d > 0 {
			r.joined = append(r.joined, ',')
		}
		r.start[d] = uint32(len(r.joined))
		q, err := json.Marshal(id(uint32(d)))
		if err != nil {
			panic(err) // a string always marshals
		}
		r.joined = append(r.joined, q...)
	}
	r.start[n] = uint32(len(r.joined)) + 1
	return r
}

// appendJSON appends the response body for the matched documents.
func (r resultIDs) appendJSON(dst []byte, m index.Matches) []byte {
	dst = append(dst, `{"results":[`...)
	sep := false
	for first, last := range m.Runs() {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = append(dst, r.joined[r.start[first]:r.start[last+1]-1]...)
	}
	return append(dst, "]}\n"...)
}

// New returns a Server that is alive but not ready.
func New(log *slog.Logger, m *metrics.Metrics, limits query.Limits, info buildinfo.Info) *Server {
	version, err := json.Marshal(info)
	if err != nil {
		panic(err) // three strings always marshal
	}
	var prefix [4]byte
	_, _ = rand.Read(prefix[:])
	return &Server{
		log:      log,
		metrics:  m,
		limits:   limits,
		version:  append(version, '\n'),
		idPrefix: hex.EncodeToString(prefix[:]) + "-",
	}
}

// SetIndex makes the server ready to search idx.
func (s *Server) SetIndex(idx *index.Index) {
	s.idx.Store(&searchable{idx: idx, ids: newResultIDs(idx.NumDocs(), idx.ID)})
}

// Drain marks the server as shutting down: /readyz answers 503 from now on
// while every other endpoint keeps serving.
func (s *Server) Drain() { s.draining.Store(true) }

// Ready reports whether /readyz answers 200.
func (s *Server) Ready() bool { return s.idx.Load() != nil && !s.draining.Load() }

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler {
	routes := map[string]http.Handler{
		"/":        s.instrument("search", s.search),
		"/search":  s.instrument("search", s.search),
		"/healthz": s.instrument("healthz", s.healthz),
		"/readyz":  s.instrument("readyz", s.readyz),
		"/version": s.instrument("version", s.versionInfo),
	}
	notFound := s.instrument("notfound", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such path: %s", r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := routes[r.URL.Path]; ok {
			h.ServeHTTP(w, r)
			return
		}
		notFound.ServeHTTP(w, r)
	})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	st := s.idx.Load()
	if st == nil {
		writeError(w, http.StatusServiceUnavailable, "index is still being built")
		return
	}
	q, present, err := queryParam(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	words, err := query.Parse(q, present, s.limits)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	scratch := scratches.Get().(*index.Scratch)
	defer scratches.Put(scratch)
	m := st.idx.Match(scratch, words)
	s.metrics.SearchResults.Observe(float64(m.Len()))
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "search", slog.String("request_id", w.Header().Get("X-Request-Id")),
			slog.Any("words", words), slog.Int("results", m.Len()))
	}

	buf := bodies.Get().(*[]byte)
	defer bodies.Put(buf)
	body := st.ids.appendJSON((*buf)[:0], m)
	writeJSON(w, http.StatusOK, body)
	*buf = body
}

// queryParam returns the one q of a raw query string. A query string that
// is not valid percent-encoding, or that gives q more than once, is an
// error rather than a guess at what was meant.
func queryParam(raw string) (q string, present bool, err error) {
	params, err := url.ParseQuery(raw)
	if err != nil {
		return "", false, fmt.Errorf("query string is badly encoded: %w (escape %% as %%25, & as %%26, + as %%2B)", err)
	}
	switch qs := params["q"]; len(qs) {
	case 0:
		return "", false, nil
	case 1:
		return qs[0], true, nil
	default:
		return "", false, fmt.Errorf("query parameter q given %d times: give it once, with every word in it", len(qs))
	}
}

// bodies recycles search response bodies, and scratches the memory of the
// matches they are written from: Write copies a body out before it returns,
// and a fresh body and result per request are garbage the size of the
// response.
var (
	bodies    = sync.Pool{New: func() any { return new([]byte) }}
	scratches = sync.Pool{New: func() any { return new(index.Scratch) }}
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []byte(`{"status":"alive"}`+"\n"))
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	switch {
	case s.draining.Load():
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"shutting down"}`+"\n"))
	case s.idx.Load() == nil:
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"building index"}`+"\n"))
	default:
		writeJSON(w, http.StatusOK, []byte(`{"status":"ready"}`+"\n"))
	}
}

func (s *Server) versionInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.version)
}

// Header values every response shares. net/http copies the header values
// when the header is written and never modifies them, so one slice serves
// every response.
var (
	contentTypeJSON = []string{"application/json"}
	noSniff         = []string{"nosniff"}
	allowGetHead    = []string{"GET, HEAD"}
)

func writeJSON(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	body, err := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	if err != nil {
		panic(err) // a string always marshals
	}
	writeJSON(w, code, append(body, '\n'))
}

// instrument wraps an endpoint with the method check, request ID, metrics
// and the access log.
func (s *Server) instrument(handler string, h http.HandlerFunc) http.Handler {
	hm := s.metrics.ForHandler(handler)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		hm.InFlight.Inc()
		defer hm.InFlight.Dec()

		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = s.newRequestID()
		}
		w.Header()["X-Request-Id"] = []string{id}
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		if code, msg := tooLarge(r); code != 0 {
			writeError(rec, code, msg)
		} else if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header()["Allow"] = allowGetHead
			writeError(rec, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed: use GET or HEAD", r.Method))
		} else {
			h(rec, r)
		}

		end := time.Now()
		elapsed := end.Sub(start)
		hm.Observe(methodLabel(r.Method), rec.code, elapsed.Seconds(), rec.bytes)
		if s.log.Enabled(r.Context(), slog.LevelInfo) {
			// The record goes straight to the handler: Logger.LogAttrs would
			// also walk the stack for the caller's PC, which the JSON handler
			// without AddSource never prints, and read the clock again.
			entry := slog.NewRecord(end, slog.LevelInfo, "request", 0)
			entry.AddAttrs(
				slog.String("request_id", id),
				slog.String("handler", handler),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.code),
				slog.Int("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("remote", r.RemoteAddr),
			)
			_ = s.log.Handler().Handle(r.Context(), entry)
		}
	})
}

// Limits on a request's size, checked by the handler so that the answer is
// JSON like every other error. net/http itself refuses a request head over
// the server's MaxHeaderBytes (MaxRequestHeadBytes) with a plain-text 431.
const (
	MaxURIBytes         = 8 << 10  // the request target, path and query
	MaxHeaderBytes      = 16 << 10 // the header fields, names and values
	MaxRequestHeadBytes = 64 << 10 // the hard bound for net/http.Server.MaxHeaderBytes
)

// tooLarge returns the status and message for a request over the limits, or 0.
func tooLarge(r *http.Request) (int, string) {
	if n := len(r.RequestURI); n > MaxURIBytes {
		return http.StatusRequestURITooLong, fmt.Sprintf("request URI is %d bytes, the limit is %d", n, MaxURIBytes)
	}
	n := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	if n > MaxHeaderBytes {
		return http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("request header fields are %d bytes, the limit is %d", n, MaxHeaderBytes)
	}
	return 0, ""
}

// newRequestID returns this process's next request ID, in one allocation.
func (s *Server) newRequestID() string {
	var buf [40]byte
	id := append(buf[:0], s.idPrefix...)
	return string(strconv.AppendUint(id, s.idSeq.Add(1), 10))
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

// methodLabel keeps the method label's values few.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodPatch, http.MethodOptions:
		return m
	}
	return "OTHER"
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
