// Package observe proves doc-search's observability against a real
// Prometheus: scrape, load with hey, latency percentiles, the chart's rules
// and dashboard, and the queries of docs/observability.md. The tests are in
// observe_test.go; the subpackages are the harness they share with
// bench/observe (make observe).
package observe
