// Package metrics defines the ports service's Prometheus metrics on a
// registry of its own, served on the metrics port.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/internal/buildinfo"
)

const namespace = "ports"

// Metrics holds every metric the service exports.
type Metrics struct {
	Registry *prometheus.Registry

	RequestDuration *prometheus.HistogramVec // route, method, code

	Loads            *prometheus.CounterVec // result: ok, error
	LoadDuration     prometheus.Gauge
	LoadedRecords    prometheus.Counter
	MalformedRecords prometheus.Counter
	LastLoad         prometheus.Gauge
	Ports            prometheus.Gauge
}

// New registers every metric, the Go and process collectors and the build
// info on a new registry.
func New(info buildinfo.Info) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := promauto.With(reg)
	f.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info", Help: "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": info.Version, "build": info.Build, "commit": info.Commit},
	}).Set(1)
	return &Metrics{
		Registry: reg,
		RequestDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request on the API port, by route pattern.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}, []string{"route", "method", "code"}),
		Loads: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "loads_total", Help: "Loads of the data file, by result (ok, error).",
		}, []string{"result"}),
		LoadDuration: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "load_duration_seconds", Help: "Time the last load of the data file took.",
		}),
		LoadedRecords: f.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "load_records_total", Help: "Valid records read from the data file, duplicates included.",
		}),
		MalformedRecords: f.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "load_malformed_records_total", Help: "Malformed records skipped while loading the data file.",
		}),
		LastLoad: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "last_load_success_timestamp_seconds", Help: "Unix time of the last load that completed.",
		}),
		Ports: f.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "ports", Help: "Ports being served.",
		}),
	}
}
