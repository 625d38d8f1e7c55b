// Command observe runs doc-search on a synthetic corpus with a Prometheus
// scraping it, loads it with hey, prints Prometheus' latency percentiles
// beside hey's and draws them over the load into a PNG (make observe).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/doc-search/gitops/test/observe/heyload"
	"github.com/doc-search/gitops/test/observe/latencyplot"
	"github.com/doc-search/gitops/test/observe/stack"
)

type config struct {
	corpus      string
	docs        int
	docBytes    string
	duration    time.Duration
	concurrency int
	qps         float64
	png         string
	verbose     bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.corpus, "corpus", "", "serve this corpus directory instead of a synthetic one")
	flag.IntVar(&cfg.docs, "docs", 19320, "documents in the synthetic corpus")
	flag.StringVar(&cfg.docBytes, "corpus-bytes", "200MB", "total size of the synthetic corpus (kB, MB or GB)")
	flag.DurationVar(&cfg.duration, "duration", 30*time.Second, "how long hey loads the service")
	flag.IntVar(&cfg.concurrency, "concurrency", 1, "hey workers per query of the mix")
	flag.Float64Var(&cfg.qps, "qps", 25, "requests per second per hey worker (0: no limit)")
	flag.StringVar(&cfg.png, "png", "docs/img/latency.png", "where to save the latency chart")
	flag.BoolVar(&cfg.verbose, "v", false, "show the logs of doc-search and Prometheus")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "observe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) (err error) {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "observe-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	var log io.Writer
	if cfg.verbose {
		log = os.Stderr
	}

	corpus := fmt.Sprintf("%d synthetic documents, %s", cfg.docs, cfg.docBytes)
	if cfg.corpus != "" {
		corpus = cfg.corpus
	}
	fmt.Fprintf(out, "starting doc-search on %s and Prometheus (scrape every 1s) ...\n", corpus)
	s, err := stack.Up(ctx, stack.Config{Root: root, Dir: dir, CorpusDir: cfg.corpus, CorpusDocs: cfg.docs, CorpusBytes: cfg.docBytes, Log: log})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Down()) }()
	fmt.Fprintf(out, "doc-search %s, metrics %s, Prometheus %s\nquery mix: %v\n",
		s.Service.APIURL, s.Service.MetricsAddr, s.Prometheus.URL, s.Queries)

	fmt.Fprintf(out, "hey: %d queries x %d workers x %g req/s each, for %s ...\n", len(s.Queries), cfg.concurrency, cfg.qps, cfg.duration)
	load, err := heyload.Run(ctx, heyload.Options{Duration: cfg.duration, Concurrency: cfg.concurrency, QPS: cfg.qps}, s.SearchURLs())
	if err != nil {
		return err
	}
	// Let two more scrapes and rule evaluations see the end of the load.
	time.Sleep(2500 * time.Millisecond)

	elapsed := load.Ended.Sub(load.Started).Seconds()
	fmt.Fprintf(out, "\nhey: %d requests in %.1fs (%.0f req/s), status codes %v\n", load.Requests(), elapsed, float64(load.Requests())/elapsed, statuses(load.Status))
	// hey's times include its own side of HTTP on loopback, which the
	// server's histogram never sees. Measure that floor with the same load
	// shape against /healthz, which answers at once, and take its median off.
	floorURLs := make([]string, len(s.Queries))
	for i := range floorURLs {
		floorURLs[i] = s.Service.APIURL + "/healthz"
	}
	floorLoad, err := heyload.Run(ctx, heyload.Options{Duration: min(cfg.duration, 10*time.Second), Concurrency: cfg.concurrency, QPS: cfg.qps}, floorURLs)
	if err != nil {
		return fmt.Errorf("measuring hey's floor on /healthz: %w", err)
	}
	floor := floorLoad.WaitQuantile(0.5)
	fmt.Fprintf(out, "hey's floor (median wait of %d requests to /healthz): %s, taken off hey's times below\n", floorLoad.Requests(), floor)
	cmp, err := s.CompareWithHey(ctx, load.Less(floor))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nsearch latency over the whole load, Prometheus (histogram_quantile) beside hey less its floor:")
	disagree := 0
	for _, c := range cmp {
		fmt.Fprintln(out, " ", c)
		if !c.Agree {
			disagree++
		}
	}
	if err := printRecordingRules(ctx, s, out); err != nil {
		return err
	}
	if err := plot(ctx, s, load, cfg, corpus, out); err != nil {
		return err
	}
	if disagree > 0 {
		load, _ := os.ReadFile("/proc/loadavg")
		return fmt.Errorf("%d percentiles of Prometheus and hey are more than one bucket apart "+
			"(load average %s on %d CPUs: hey's times include waiting for a CPU, which the server's histogram does not see)",
			disagree, strings.Fields(string(load) + " ?")[0], runtime.NumCPU())
	}
	return nil
}

func printRecordingRules(ctx context.Context, s *stack.Stack, out io.Writer) error {
	fmt.Fprintln(out, "\nthe chart's recording rules (5m windows) at the end of the load:")
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	for _, rule := range []string{
		"docsearch:search_latency_seconds:p50", "docsearch:search_latency_seconds:p90", "docsearch:search_latency_seconds:p99",
		"docsearch:requests:rate5m", "docsearch:errors:ratio_rate5m",
	} {
		v, err := s.Prometheus.Instant(ctx, rule, time.Now())
		if err != nil {
			return err
		}
		if len(v) == 0 {
			fmt.Fprintf(tw, "  %s\tno series\n", rule)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%.6g\n", rule, float64(v[0].Value))
	}
	return tw.Flush()
}

// plot draws p50/p90/p99 over 10s windows, stepping every second, from just
// before the load to just after it.
func plot(ctx context.Context, s *stack.Stack, load heyload.Result, cfg config, corpus string, out io.Writer) error {
	r := v1.Range{Start: load.Started.Add(-2 * time.Second), End: load.Ended.Add(2 * time.Second), Step: time.Second}
	var series []latencyplot.Series
	for _, q := range stack.Percentiles {
		query := fmt.Sprintf(`histogram_quantile(%g, sum by (le) (rate(docsearch_http_request_duration_seconds_bucket{handler="search", code="200"}[10s])))`, q)
		m, err := s.Prometheus.Range(ctx, query, r)
		if err != nil {
			return err
		}
		if len(m) != 1 {
			return fmt.Errorf("%s: want one series, got %d", query, len(m))
		}
		name := fmt.Sprintf("p%g", q*100)
		series = append(series, latencyplot.Series{
			Name: name, Samples: m[0].Values,
			Reference: &latencyplot.Reference{Name: "hey " + name, Seconds: load.WaitQuantile(q).Seconds()},
		})
	}
	if err := os.MkdirAll(filepath.Dir(cfg.png), 0o755); err != nil {
		return err
	}
	buckets, err := s.SearchBuckets(ctx)
	if err != nil {
		return err
	}
	chart := latencyplot.Chart{
		Buckets: buckets,
		Title:   "doc-search: /search latency under hey load",
		Notes: []string{
			"solid: Prometheus, histogram_quantile(q, sum by (le) (rate(docsearch_http_request_duration_seconds_bucket{handler=\"search\"}[10s])))",
			"dashed: hey, response wait percentile over the whole load; grid lines: the histogram's bucket boundaries",
			fmt.Sprintf("corpus: %s; load: %d queries x %d workers x %g req/s", corpus, len(s.Queries), cfg.concurrency, cfg.qps),
		},
		Series: series,
	}
	if err := latencyplot.SavePNG(chart, cfg.png); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nlatency chart: %s\n", cfg.png)
	return nil
}

func statuses(m map[int]int) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	s := ""
	for _, c := range codes {
		s += fmt.Sprintf("[%d]=%d ", c, m[c])
	}
	return s
}
