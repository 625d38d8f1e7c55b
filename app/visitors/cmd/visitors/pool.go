package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/doc-search/gitops/app/visitors/internal/pgstore"
)

// poolCollector exports the database pool's state at scrape time: a pool
// at its bound with requests waiting is the first sign of a slow database.
type poolCollector struct {
	store             *pgstore.Store
	conns, max, waits *prometheus.Desc
}

func newPoolCollector(s *pgstore.Store) *poolCollector {
	return &poolCollector{
		store: s,
		conns: prometheus.NewDesc("visitors_db_pool_connections", "Database connections by state.", []string{"state"}, nil),
		max:   prometheus.NewDesc("visitors_db_pool_max_connections", "Bound of the database pool.", nil, nil),
		waits: prometheus.NewDesc("visitors_db_pool_acquire_waits_total", "Acquisitions that waited for a free connection.", nil, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.max
	ch <- c.waits
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.store.Pool().Stat()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
}
