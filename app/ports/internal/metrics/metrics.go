// Package metrics defines the ports service's own Prometheus metrics, those
// of its data loads; the HTTP metrics and build info come with the shared
// service package.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Namespace prefixes every metric of the service.
const Namespace = "ports"

// Metrics holds the load metrics.
type Metrics struct {
	Loads            *prometheus.CounterVec // result: ok, error
	LoadDuration     prometheus.Gauge
	LoadedRecords    prometheus.Counter
	MalformedRecords prometheus.Counter
	LastLoad         prometheus.Gauge
	Ports            prometheus.Gauge
}

// New registers the metrics on reg.
func New(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		Loads: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "loads_total", Help: "Loads of the data file, by result (ok, error).",
		}, []string{"result"}),
		LoadDuration: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "load_duration_seconds", Help: "Time the last complete load of the data file took.",
		}),
		LoadedRecords: f.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "load_records_total", Help: "Valid records read from the data file, duplicates included.",
		}),
		MalformedRecords: f.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "load_malformed_records_total", Help: "Malformed records skipped while loading the data file.",
		}),
		LastLoad: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "last_load_success_timestamp_seconds", Help: "Unix time of the last load that completed.",
		}),
		Ports: f.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "ports", Help: "Ports being served.",
		}),
	}
}
