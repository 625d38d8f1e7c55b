// Package metrics defines doc-search's Prometheus metrics on a registry of
// its own, served on the metrics port.
package metrics

import (
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

const namespace = "docsearch"

// Handlers are the values of the handler label.
var Handlers = []string{"search", "healthz", "readyz", "version", "notfound"}

// Metrics holds every metric the service exports.
type Metrics struct {
	Registry *prometheus.Registry

	RequestDuration *prometheus.HistogramVec // handler, method, code
	Requests        *prometheus.CounterVec   // handler, method, code
	InFlight        *prometheus.GaugeVec     // handler
	ResponseSize    *prometheus.HistogramVec // handler
	SearchResults   prometheus.Histogram

	IndexDocuments     prometheus.Gauge
	IndexTerms         prometheus.Gauge
	IndexPostings      prometheus.Gauge
	IndexBytes         prometheus.Gauge
	IndexBuildDuration prometheus.Gauge
	DocumentsSkipped   prometheus.Counter
}

// DurationBuckets span 100µs to 10s, fine enough around the 10 ms latency goal.
var DurationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// New registers every metric, the Go and process collectors and the build
// info on a new registry.
func New(info buildinfo.Info) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	f := promauto.With(reg)
	m := &Metrics{
		Registry: reg,
		RequestDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request on the API port.",
			Buckets: DurationBuckets,
		}, []string{"handler", "method", "code"}),
		Requests: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests served on the API port.",
		}, []string{"handler", "method", "code"}),
		InFlight: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "http_requests_in_flight",
			Help: "HTTP requests being served on the API port.",
		}, []string{"handler"}),
		ResponseSize: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_response_size_bytes",
			Help:    "Size of HTTP response bodies on the API port.",
			Buckets: prometheus.ExponentialBuckets(64, 4, 9), // 64 B .. 4 MiB
		}, []string{"handler"}),
		SearchResults: f.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "search_results",
			Help:    "Documents returned per search.",
			Buckets: []float64{0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000},
		}),
		IndexDocuments: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "index_documents", Help: "Documents in the index.",
		}),
		IndexTerms: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "index_terms", Help: "Distinct words in the index.",
		}),
		IndexPostings: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "index_postings", Help: "(word, document) pairs in the index.",
		}),
		IndexBytes: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "index_bytes", Help: "Estimated memory held by the index.",
		}),
		IndexBuildDuration: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "index_build_duration_seconds", Help: "Time the last index build took.",
		}),
		DocumentsSkipped: f.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "documents_skipped_total",
			Help: "Corpus files skipped: unreadable, or not a regular file inside the corpus directory.",
		}),
	}
	f.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help: "Always 1; labels say which build is running.",
	}, []string{"version", "build", "commit"}).WithLabelValues(info.Version, info.Build, info.Commit).Set(1)
	for _, h := range Handlers {
		m.InFlight.WithLabelValues(h)
	}
	return m
}

// SetIndex publishes the figures of a built index.
func (m *Metrics) SetIndex(s index.Stats) {
	m.IndexDocuments.Set(float64(s.Documents))
	m.IndexTerms.Set(float64(s.Terms))
	m.IndexPostings.Set(float64(s.Postings))
	m.IndexBytes.Set(float64(s.MemBytes))
	m.IndexBuildDuration.Set(s.Duration.Seconds())
}

// HandlerMetrics are the request metrics of one value of the handler label.
// Each (method, code) child is looked up in its vector once and kept:
// WithLabelValues hashes its labels on every call, which costs per request.
type HandlerMetrics struct {
	InFlight prometheus.Gauge
	size     prometheus.Observer
	handler  string
	m        *Metrics
	children [len(methods)][len(codes)]atomic.Pointer[requestChildren]
}

type requestChildren struct {
	duration prometheus.Observer
	requests prometheus.Counter
}

// methods and codes are the label values whose children HandlerMetrics keeps;
// other codes are looked up on each request.
var (
	methods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"}
	codes   = [...]int{200, 400, 404, 405, 503}
)

// ForHandler returns the request metrics of a handler.
func (m *Metrics) ForHandler(handler string) *HandlerMetrics {
	return &HandlerMetrics{
		InFlight: m.InFlight.WithLabelValues(handler),
		size:     m.ResponseSize.WithLabelValues(handler),
		handler:  handler,
		m:        m,
	}
}

// Observe records one served request. method is a method label value.
func (h *HandlerMetrics) Observe(method string, code int, seconds float64, bytes int) {
	h.size.Observe(float64(bytes))
	c := h.child(method, code)
	c.duration.Observe(seconds)
	c.requests.Inc()
}

func (h *HandlerMetrics) child(method string, code int) *requestChildren {
	mi, ci := slices.Index(methods[:], method), slices.Index(codes[:], code)
	if mi < 0 || ci < 0 {
		return h.lookup(method, code)
	}
	slot := &h.children[mi][ci]
	if c := slot.Load(); c != nil {
		return c
	}
	// Racing requests may both look the child up; they find the same one.
	c := h.lookup(method, code)
	slot.Store(c)
	return c
}

func (h *HandlerMetrics) lookup(method string, code int) *requestChildren {
	labels := []string{h.handler, method, strconv.Itoa(code)}
	return &requestChildren{
		duration: h.m.RequestDuration.WithLabelValues(labels...),
		requests: h.m.Requests.WithLabelValues(labels...),
	}
}
