package stack

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/doc-search/gitops/test/observe/heyload"
	"github.com/doc-search/gitops/test/observe/quantile"
)

// Percentiles are the ones set beside hey's.
var Percentiles = []float64{0.5, 0.9, 0.99}

const searchHistogram = `docsearch_http_request_duration_seconds_bucket{handler="search", code="200"}`

// SearchBuckets returns the finite upper bounds (le) of the search latency
// histogram, sorted.
func (s *Stack) SearchBuckets(ctx context.Context) ([]float64, error) {
	v, err := s.Prometheus.Instant(ctx, `count by (le) (`+searchHistogram+`)`, time.Now())
	if err != nil {
		return nil, err
	}
	var bounds []float64
	for _, sample := range v {
		le, err := strconv.ParseFloat(string(sample.Metric["le"]), 64)
		if err != nil {
			return nil, fmt.Errorf("bucket le=%q: %w", sample.Metric["le"], err)
		}
		if !math.IsInf(le, 1) {
			bounds = append(bounds, le)
		}
	}
	if len(bounds) == 0 {
		return nil, fmt.Errorf("no buckets for %s", searchHistogram)
	}
	sort.Float64s(bounds)
	return bounds, nil
}

// CompareWithHey sets Prometheus' percentiles of every successful search
// so far (histogram_quantile over the cumulative buckets, which is the
// whole load) beside hey's percentiles of the same requests: their response
// wait (time to first byte), which is what the handler's histogram times,
// and, for display, their total time.
func (s *Stack) CompareWithHey(ctx context.Context, load heyload.Result) ([]quantile.Comparison, error) {
	bounds, err := s.SearchBuckets(ctx)
	if err != nil {
		return nil, err
	}
	var out []quantile.Comparison
	for _, q := range Percentiles {
		query := fmt.Sprintf(`histogram_quantile(%g, sum by (le) (%s))`, q, searchHistogram)
		v, err := s.Prometheus.Instant(ctx, query, time.Now())
		if err != nil {
			return nil, err
		}
		if len(v) != 1 {
			return nil, fmt.Errorf("%s: want one sample, got %d", query, len(v))
		}
		out = append(out, quantile.Compare(bounds, q, float64(v[0].Value), load.WaitQuantile(q).Seconds(), load.Quantile(q).Seconds()))
	}
	return out, nil
}
