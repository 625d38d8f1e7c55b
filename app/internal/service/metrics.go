package service

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/internal/buildinfo"
)

// DurationBuckets span 1 ms to 10 s: a request that waits on a database
// takes milliseconds, one stuck on a timeout seconds.
var DurationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewRegistry returns a registry with the Go and process collectors, the
// start every service's registry needs.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

type httpMetrics struct {
	duration *prometheus.HistogramVec // handler, method, code
	requests *prometheus.CounterVec   // handler, method, code
	inFlight *prometheus.GaugeVec     // handler
}

func newHTTPMetrics(reg prometheus.Registerer, namespace string, info buildinfo.Info) *httpMetrics {
	f := promauto.With(reg)
	f.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": info.Version, "build": info.Build, "commit": info.Commit},
	}).Set(1)
	return &httpMetrics{
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request on the API port.",
			Buckets: DurationBuckets,
		}, []string{"handler", "method", "code"}),
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests served on the API port.",
		}, []string{"handler", "method", "code"}),
		inFlight: f.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "http_requests_in_flight",
			Help: "HTTP requests being served on the API port.",
		}, []string{"handler"}),
	}
}

type handlerMetrics struct {
	m        *httpMetrics
	handler  string
	inFlight prometheus.Gauge
}

func (m *httpMetrics) forHandler(handler string) handlerMetrics {
	return handlerMetrics{m: m, handler: handler, inFlight: m.inFlight.WithLabelValues(handler)}
}

func (h handlerMetrics) observe(method string, code int, elapsed time.Duration) {
	c := strconv.Itoa(code)
	method = methodLabel(method)
	h.m.duration.WithLabelValues(h.handler, method, c).Observe(elapsed.Seconds())
	h.m.requests.WithLabelValues(h.handler, method, c).Inc()
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
