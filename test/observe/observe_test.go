package observe_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/doc-search/gitops/test/observe/dashboard"
	"github.com/doc-search/gitops/test/observe/heyload"
	"github.com/doc-search/gitops/test/observe/promqldoc"
	"github.com/doc-search/gitops/test/observe/requiretool"
	"github.com/doc-search/gitops/test/observe/stack"
)

const root = "../.."

// The stack is brought up once, loaded once, and shared by the tests.
var env struct {
	once  sync.Once
	dir   string
	log   *os.File // doc-search's and Prometheus' output
	stack *stack.Stack
	load  heyload.Result
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if env.stack != nil {
		if err := env.stack.Down(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the stack:", err)
			code = 1
		}
	}
	if env.log != nil {
		_ = env.log.Close()
	}
	if env.dir != "" {
		_ = os.RemoveAll(env.dir)
	}
	os.Exit(code)
}

// loaded returns the running stack after a few seconds of hey load.
func loaded(t *testing.T) (*stack.Stack, heyload.Result) {
	t.Helper()
	requiretool.Binaries(t, "prometheus", "hey", "go")
	env.once.Do(func() {
		ctx := context.Background()
		if env.dir, env.err = os.MkdirTemp("", "observe-"); env.err != nil {
			return
		}
		logPath := filepath.Join(env.dir, "stack.log")
		if env.log, env.err = os.Create(logPath); env.err != nil {
			return
		}
		env.stack, env.err = stack.Up(ctx, stack.Config{
			Root: root, Dir: env.dir,
			CorpusDocs: 2000, CorpusBytes: "16MB",
			StartupDelay: 8 * time.Second,
			Log:          env.log,
		})
		if env.err != nil {
			logged, _ := os.ReadFile(logPath)
			env.err = fmt.Errorf("%w\nlog of doc-search and prometheus:\n%s", env.err, logged)
			return
		}
		env.load, env.err = heyload.Run(ctx, heyload.Options{
			Duration: 5 * time.Second, Concurrency: 2, QPS: 50,
		}, env.stack.SearchURLs())
		// Two more scrapes and rule evaluations see the end of the load.
		time.Sleep(2500 * time.Millisecond)
	})
	require.NoError(t, env.err, "bringing up doc-search and Prometheus")
	return env.stack, env.load
}

func instant(t *testing.T, s *stack.Stack, query string) model.Vector {
	t.Helper()
	v, err := s.Prometheus.Instant(context.Background(), query, time.Now())
	require.NoError(t, err)
	return v
}

func TestScrape_TargetIsUp(t *testing.T) {
	s, _ := loaded(t)
	v := instant(t, s, fmt.Sprintf(`up{job=%q}`, stack.Job))
	require.Len(t, v, 1)
	assert.Equal(t, model.SampleValue(1), v[0].Value)
	assert.Equal(t, model.LabelValue(stack.Namespace), v[0].Metric["namespace"])
}

// family is one metric family of the service contract.
type family struct {
	name   string
	typ    v1.MetricType
	labels []string
}

var documented = []family{
	{"docsearch_http_request_duration_seconds", v1.MetricTypeHistogram, []string{"handler", "method", "code"}},
	{"docsearch_http_requests_total", v1.MetricTypeCounter, []string{"handler", "method", "code"}},
	{"docsearch_http_requests_in_flight", v1.MetricTypeGauge, []string{"handler"}},
	{"docsearch_http_response_size_bytes", v1.MetricTypeHistogram, []string{"handler"}},
	{"docsearch_search_results", v1.MetricTypeHistogram, nil},
	{"docsearch_index_documents", v1.MetricTypeGauge, nil},
	{"docsearch_index_terms", v1.MetricTypeGauge, nil},
	{"docsearch_index_postings", v1.MetricTypeGauge, nil},
	{"docsearch_index_bytes", v1.MetricTypeGauge, nil},
	{"docsearch_index_build_duration_seconds", v1.MetricTypeGauge, nil},
	{"docsearch_documents_skipped_total", v1.MetricTypeCounter, nil},
	{"docsearch_build_info", v1.MetricTypeGauge, []string{"version", "build", "commit"}},
	// From the Go and process collectors.
	{"go_goroutines", v1.MetricTypeGauge, nil},
	{"go_gc_duration_seconds", v1.MetricTypeSummary, nil},
	{"go_memstats_heap_inuse_bytes", v1.MetricTypeGauge, nil},
	{"process_start_time_seconds", v1.MetricTypeGauge, nil},
	{"process_resident_memory_bytes", v1.MetricTypeGauge, nil},
	{"process_cpu_seconds_total", v1.MetricTypeCounter, nil},
}

// targetLabels are set by the scrape, not by the service.
var targetLabels = map[model.LabelName]bool{
	"job": true, "instance": true, "namespace": true, "pod": true,
	"service": true, "container": true, "endpoint": true, "__name__": true,
}

func TestMetrics_EveryDocumentedFamilyHasItsLabels(t *testing.T) {
	s, _ := loaded(t)
	ctx := context.Background()
	for _, f := range documented {
		t.Run(f.name, func(t *testing.T) {
			meta, err := s.Prometheus.API.Metadata(ctx, f.name, "")
			require.NoError(t, err)
			require.NotEmpty(t, meta[f.name], "no metadata: the service does not export %s", f.name)
			assert.Equal(t, f.typ, meta[f.name][0].Type)

			series := f.name
			want := append([]string(nil), f.labels...)
			switch f.typ {
			case v1.MetricTypeHistogram:
				series += "_bucket"
				want = append(want, "le")
			case v1.MetricTypeSummary:
				series += "_count"
			}
			v := instant(t, s, series)
			require.NotEmpty(t, v, "no series %s", series)
			sort.Strings(want)
			for _, sample := range v {
				var got []string
				for name := range sample.Metric {
					if !targetLabels[name] {
						got = append(got, string(name))
					}
				}
				sort.Strings(got)
				assert.Equal(t, strings.Join(want, ","), strings.Join(got, ","), "labels of %s", sample.Metric)
			}
		})
	}
}

func TestMetrics_NoUndocumentedDocsearchFamily(t *testing.T) {
	s, _ := loaded(t)
	names, _, _, err := s.Prometheus.API.LabelValues(context.Background(), "__name__",
		[]string{`{__name__=~"docsearch_.+"}`}, time.Now().Add(-time.Hour), time.Now())
	require.NoError(t, err)
	known := map[string]bool{}
	for _, f := range documented {
		known[f.name] = true
	}
	for _, n := range names {
		base := string(n)
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(base, suffix); ok && known[b] {
				base = b
			}
		}
		assert.True(t, known[base], "%s is exported but not in the service contract", n)
	}
}

func TestMetrics_HandlerLabelTakesEveryDocumentedValue(t *testing.T) {
	s, _ := loaded(t)
	v := instant(t, s, `count by (handler) (docsearch_http_requests_total)`)
	var got []string
	for _, sample := range v {
		got = append(got, string(sample.Metric["handler"]))
	}
	assert.ElementsMatch(t, []string{"search", "healthz", "readyz", "version", "notfound"}, got)
}

func TestLatency_PercentilesAreOrderedAndPositive(t *testing.T) {
	s, _ := loaded(t)
	tests := []struct {
		name  string
		query func(q string) string
	}{
		{"recording rules", func(q string) string {
			return fmt.Sprintf(`docsearch:search_latency_seconds:p%s{job=%q}`, q, stack.Job)
		}},
		{"histogram_quantile over rate", func(q string) string {
			return fmt.Sprintf(`histogram_quantile(0.%s, sum by (le) (rate(docsearch_http_request_duration_seconds_bucket{handler="search"}[1m])))`, q)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p []float64
			for _, q := range []string{"50", "90", "99"} {
				v := instant(t, s, tt.query(q))
				require.Len(t, v, 1, tt.query(q))
				require.False(t, math.IsNaN(float64(v[0].Value)), "%s is NaN", tt.query(q))
				p = append(p, float64(v[0].Value))
			}
			t.Logf("p50 %.6fs  p90 %.6fs  p99 %.6fs", p[0], p[1], p[2])
			assert.Greater(t, p[0], 0.0)
			assert.LessOrEqual(t, p[0], p[1])
			assert.LessOrEqual(t, p[1], p[2])
		})
	}
}

func TestLatency_HistogramCountsEverySearchHeySent(t *testing.T) {
	s, load := loaded(t)
	require.Greater(t, load.Requests(), 200, "too little load")
	require.Equal(t, load.Requests(), load.Status[200], "every load request must succeed: %v", load.Status)
	want := model.SampleValue(load.Status[200] + s.SearchesOK)
	for _, query := range []string{
		`sum(docsearch_http_requests_total{handler="search", code="200"})`,
		`sum(docsearch_http_request_duration_seconds_count{handler="search", code="200"})`,
		`sum(docsearch_http_request_duration_seconds_bucket{handler="search", code="200", le="+Inf"})`,
	} {
		v := instant(t, s, query)
		require.Len(t, v, 1, query)
		assert.Equal(t, want, v[0].Value, "%s: hey got %d answers, the stack sent %d searches", query, load.Status[200], s.SearchesOK)
	}
}

func TestLatency_PrometheusIsNeverSlowerThanHey(t *testing.T) {
	s, load := loaded(t)
	cmp, err := s.CompareWithHey(context.Background(), load)
	require.NoError(t, err)
	for _, c := range cmp {
		// Whether they agree within a bucket depends on how busy the
		// machine's CPUs are (hey's own scheduling delays); make observe
		// reports it. That the server is not slower than the client holds
		// on any machine.
		t.Log(c)
		assert.True(t, c.NotSlower, "Prometheus' p%g is in a higher bucket than hey's total time: %s", c.Q*100, c)
	}
}

func TestRecordingRules_ReturnSeries(t *testing.T) {
	s, _ := loaded(t)
	for _, name := range recordedNames(t, s.RuleFile) {
		t.Run(name, func(t *testing.T) {
			v := instant(t, s, fmt.Sprintf(`%s{job=%q}`, name, stack.Job))
			require.NotEmpty(t, v, "recording rule %s has no series", name)
			for _, sample := range v {
				assert.False(t, math.IsNaN(float64(sample.Value)), "%s is NaN", sample.Metric)
			}
		})
	}
}

func recordedNames(t *testing.T, ruleFile string) []string {
	t.Helper()
	b, err := os.ReadFile(ruleFile)
	require.NoError(t, err)
	var f struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	var names []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				names = append(names, r.Record)
			}
		}
	}
	require.NotEmpty(t, names, "the chart records no rules")
	return names
}

func TestRules_EvaluateOnLiveDataWithoutErrors(t *testing.T) {
	s, _ := loaded(t)
	rules, err := s.Prometheus.API.Rules(context.Background(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, rules.Groups, "Prometheus loaded no rule group")
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			switch r := r.(type) {
			case v1.RecordingRule:
				assert.EqualValues(t, v1.RuleHealthGood, r.Health, "%s: %s", r.Name, r.LastError)
			case v1.AlertingRule:
				assert.EqualValues(t, v1.RuleHealthGood, r.Health, "%s: %s", r.Name, r.LastError)
				// Every alert waits 5 minutes or more before it fires; the
				// start-up 503s may leave the error ratio alert pending.
				assert.NotEqual(t, "firing", r.State, "%s", r.Name)
			default:
				t.Errorf("group %s: unknown rule type %T", g.Name, r)
			}
		}
	}
}

func TestRules_PromtoolCheckAndUnitTests(t *testing.T) {
	requiretool.Binaries(t, "promtool")
	s, _ := loaded(t)
	dir := t.TempDir()
	rules, err := os.ReadFile(s.RuleFile)
	require.NoError(t, err)
	tests, err := os.ReadFile("testdata/rules_test.yml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "doc-search.rules.yml"), rules, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules_test.yml"), tests, 0o644))

	for _, args := range [][]string{
		{"check", "rules", "doc-search.rules.yml"},
		{"test", "rules", "rules_test.yml"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			cmd := exec.Command("promtool", args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
			assert.Contains(t, string(out), "SUCCESS")
		})
	}
}

func TestDashboard_IsValidForItsSchemaVersion(t *testing.T) {
	s, _ := loaded(t)
	require.NotEmpty(t, s.Dashboards, "the chart ships no dashboard ConfigMap")
	for name, data := range s.Dashboards {
		t.Run(name, func(t *testing.T) {
			d, err := dashboard.Decode(data)
			require.NoError(t, err)
			assert.NoError(t, d.Validate())
		})
	}
}

// grafanaBuiltins are the values Grafana would send for its interval
// variables on a 1h dashboard scraped every second.
var grafanaBuiltins = map[string]string{
	"__rate_interval": "1m", "__interval": "15s", "__interval_ms": "15000",
	"__range": "1h", "__range_s": "3600", "__range_ms": "3600000",
}

func TestDashboard_EveryExpressionReturnsData(t *testing.T) {
	s, _ := loaded(t)
	for name, data := range s.Dashboards {
		d, err := dashboard.Decode(data)
		require.NoError(t, err, name)
		for _, e := range d.Expressions(grafanaBuiltins) {
			t.Run(e.Panel+"/"+e.RefID, func(t *testing.T) {
				assertReturnsData(t, s, e.Expr)
			})
		}
	}
}

func TestDocs_EveryQueryReturnsData(t *testing.T) {
	s, _ := loaded(t)
	queries, err := promqldoc.ParseFile(filepath.Join(root, "docs", "observability.md"))
	require.NoError(t, err)
	for i, q := range queries {
		t.Run(strconv.Itoa(i+1)+" "+q.Heading, func(t *testing.T) {
			assertReturnsData(t, s, q.Expr)
		})
	}
}

// assertReturnsData checks that expr yields at least one sample that is a
// number (NaN is what an empty rate ratio gives: no data to a reader).
func assertReturnsData(t *testing.T, s *stack.Stack, expr string) {
	t.Helper()
	v := instant(t, s, expr)
	require.NotEmpty(t, v, "no data for %s", expr)
	for _, sample := range v {
		assert.False(t, math.IsNaN(float64(sample.Value)), "NaN for %s: %s", expr, sample.Metric)
	}
}
