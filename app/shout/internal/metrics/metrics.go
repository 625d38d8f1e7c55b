// Package metrics declares shout's own Prometheus metrics: the upstream's
// latency, errors, retries and breaker state, and the cache's hits and
// misses. Each is registered on the registry passed in, never the global one.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/doc-search/gitops/app/internal/service"
)

// Metrics holds the service's metrics.
type Metrics struct {
	// UpstreamDuration is the latency of each upstream attempt, by outcome
	// ("ok" or an error kind).
	UpstreamDuration *prometheus.HistogramVec
	// UpstreamErrors counts failed upstream attempts and calls refused by
	// the open breaker, by kind (see upstream.Kind).
	UpstreamErrors *prometheus.CounterVec
	// UpstreamRetries counts attempts made after a first one failed.
	UpstreamRetries prometheus.Counter
	// BreakerTransitions counts the breaker's state changes, by new state.
	BreakerTransitions *prometheus.CounterVec
	// Cache counts cache lookups by result: hit, miss or error; and stores
	// that failed (result "set_error").
	Cache *prometheus.CounterVec
}

// New registers the metrics on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		UpstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shout_upstream_request_duration_seconds",
			Help:    "Latency of each attempt to call the upstream, by outcome (ok or the error kind).",
			Buckets: service.DurationBuckets,
		}, []string{"outcome"}),
		UpstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shout_upstream_errors_total",
			Help: "Failed upstream attempts, and calls refused while the breaker is open, by kind.",
		}, []string{"kind"}),
		UpstreamRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shout_upstream_retries_total",
			Help: "Upstream attempts made after an earlier attempt of the same call failed.",
		}),
		BreakerTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shout_upstream_breaker_transitions_total",
			Help: "State changes of the upstream circuit breaker, by the state entered.",
		}, []string{"to"}),
		Cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shout_cache_requests_total",
			Help: "Cache operations by result: hit, miss, error (lookup failed; counted as a miss), set_error.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.UpstreamDuration, m.UpstreamErrors, m.UpstreamRetries, m.BreakerTransitions, m.Cache)
	return m
}

// BreakerState registers shout_upstream_breaker_state, read from state at
// each scrape: 0 closed, 1 half-open, 2 open.
func BreakerState(reg prometheus.Registerer, state func() float64) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "shout_upstream_breaker_state",
		Help: "State of the upstream circuit breaker: 0 closed, 1 half-open, 2 open.",
	}, state))
}
