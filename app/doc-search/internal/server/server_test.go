package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/doc-search/internal/sample"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

var testInfo = buildinfo.Info{Version: "1.2.3", Build: "57", Commit: "abc123"}

type fixture struct {
	srv     *Server
	http    *httptest.Server
	metrics *metrics.Metrics
	logs    *bytes.Buffer
}

func newFixture(t *testing.T, ready bool) *fixture {
	t.Helper()
	logs := &bytes.Buffer{}
	m := metrics.New(testInfo)
	srv := New(slog.New(slog.NewJSONHandler(logs, nil)), m, query.Limits{MaxWords: 4, MaxBytes: 64}, testInfo)
	if ready {
		docs, err := corpus.List(sample.FS)
		require.NoError(t, err)
		idx, err := index.Build(context.Background(), sample.FS, docs, index.Options{})
		require.NoError(t, err)
		srv.SetIndex(idx)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &fixture{srv: srv, http: hs, metrics: m, logs: logs}
}

type response struct {
	code   int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, target string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+target, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.http.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header, string(body)}
}

func TestSearch_Contract(t *testing.T) {
	f := newFixture(t, true)
	tests := []struct {
		target string
		want   []string
	}{
		{"/?q=hello+world", []string{"1"}},
		{"/search?q=hello+world", []string{"1"}},
		{"/?q=goodbye+friends", []string{"2"}},
		{"/?q=hello+goodbye", []string{}},
		{"/?q=thank+you+python", []string{"1", "2"}},
		{"/?q=Hello+WORLD", []string{"1"}},
		{"/?q=hell", []string{}},
		{"/search?q=caf%C3%A9", []string{"9"}},
		{"/search?q=thank&other=ignored", []string{"1", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := f.do(t, http.MethodGet, tt.target, nil)
			require.Equal(t, http.StatusOK, r.code, r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			var body map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(r.body), &body))
			assert.Len(t, body, 1, "only a results key")
			var results []string
			require.NoError(t, json.Unmarshal(body["results"], &results))
			require.NotNil(t, results, "no match is [], not null")
			assert.Equal(t, tt.want, results)
		})
	}
}

func TestSearch_Errors(t *testing.T) {
	f := newFixture(t, true)
	tests := []struct {
		name    string
		method  string
		target  string
		code    int
		message string
	}{
		{"missing q", "GET", "/search", 400, "missing query parameter q"},
		{"empty q", "GET", "/?q=", 400, "holds no word"},
		{"blank q", "GET", "/?q=+++", 400, "holds no word"},
		{"punctuation q", "GET", "/?q=%21%3F", 400, "holds no word"},
		{"too many words", "GET", "/?q=a+b+c+d+e", 400, "5 words, the limit is 4"},
		{"too many bytes", "GET", "/?q=" + strings.Repeat("x", 65), 400, "65 bytes, the limit is 64"},
		{"post", "POST", "/search?q=hello", 405, "method POST not allowed"},
		{"delete healthz", "DELETE", "/healthz", 405, "method DELETE not allowed"},
		{"unknown path", "GET", "/nope", 404, "no such path: /nope"},
		{"path below search", "GET", "/search/x?q=hello", 404, "no such path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, tt.method, tt.target, nil)
			assert.Equal(t, tt.code, r.code)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			var body struct {
				Error string `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.body), &body), r.body)
			assert.Contains(t, body.Error, tt.message)
			if tt.code == 405 {
				assert.Equal(t, "GET, HEAD", r.header.Get("Allow"))
			}
		})
	}
}

func TestSearch_HeadHasNoBody(t *testing.T) {
	f := newFixture(t, true)
	r := f.do(t, http.MethodHead, "/?q=hello", nil)
	assert.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Empty(t, r.body)
}

func TestReadiness_FollowsIndexAndDrain(t *testing.T) {
	f := newFixture(t, false)
	assert.Equal(t, 200, f.do(t, "GET", "/healthz", nil).code, "alive before the index is built")
	r := f.do(t, "GET", "/readyz", nil)
	assert.Equal(t, 503, r.code)
	assert.JSONEq(t, `{"status":"building index"}`, r.body)
	assert.Equal(t, 503, f.do(t, "GET", "/?q=hello", nil).code, "no search before the index is built")

	docs, err := corpus.List(sample.FS)
	require.NoError(t, err)
	idx, err := index.Build(context.Background(), sample.FS, docs, index.Options{})
	require.NoError(t, err)
	f.srv.SetIndex(idx)
	assert.Equal(t, 200, f.do(t, "GET", "/readyz", nil).code)
	assert.True(t, f.srv.Ready())

	f.srv.Drain()
	r = f.do(t, "GET", "/readyz", nil)
	assert.Equal(t, 503, r.code)
	assert.JSONEq(t, `{"status":"shutting down"}`, r.body)
	assert.Equal(t, 200, f.do(t, "GET", "/?q=hello", nil).code, "still serving while draining")
	assert.Equal(t, 200, f.do(t, "GET", "/healthz", nil).code, "still alive while draining")
}

func TestVersion_ReportsBuildInfo(t *testing.T) {
	f := newFixture(t, true)
	r := f.do(t, "GET", "/version", nil)
	require.Equal(t, 200, r.code)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.JSONEq(t, `{"version":"1.2.3","build":"57","commit":"abc123"}`, r.body)
}

func TestRequestID_EchoedOrGenerated(t *testing.T) {
	f := newFixture(t, true)
	r := f.do(t, "GET", "/healthz", http.Header{"X-Request-Id": {"trace-42"}})
	assert.Equal(t, "trace-42", r.header.Get("X-Request-ID"))

	a := f.do(t, "GET", "/healthz", nil).header.Get("X-Request-ID")
	b := f.do(t, "GET", "/healthz", nil).header.Get("X-Request-ID")
	assert.NotEmpty(t, a)
	assert.NotEqual(t, a, b)

	forged := f.do(t, "GET", "/healthz", http.Header{"X-Request-Id": {`a"b`}}).header.Get("X-Request-ID")
	assert.NotEqual(t, `a"b`, forged, "an unsafe ID is replaced")
}

func TestAccessLog_OneLinePerRequest(t *testing.T) {
	f := newFixture(t, true)
	f.do(t, "GET", "/?q=hello", http.Header{"X-Request-Id": {"log-me"}})
	f.do(t, "GET", "/nope", nil)
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	require.Len(t, lines, 2)
	var entry map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &entry))
	assert.Equal(t, "request", entry["msg"])
	assert.Equal(t, "log-me", entry["request_id"])
	assert.Equal(t, "search", entry["handler"])
	assert.EqualValues(t, 200, entry["status"])
	assert.Contains(t, entry, "duration_ms")
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &entry))
	assert.EqualValues(t, 404, entry["status"])
}

func TestMetrics_CountRequestsByHandlerMethodAndCode(t *testing.T) {
	f := newFixture(t, true)
	f.do(t, "GET", "/?q=thank+you", nil)
	f.do(t, "GET", "/search?q=hello", nil)
	f.do(t, "GET", "/search", nil)
	f.do(t, "POST", "/search", nil)
	f.do(t, "GET", "/readyz", nil)
	f.do(t, "GET", "/x", nil)
	f.do(t, "BREW", "/x", nil)
	m := f.metrics
	assert.Equal(t, 2.0, testutil.ToFloat64(m.Requests.WithLabelValues("search", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Requests.WithLabelValues("search", "GET", "400")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Requests.WithLabelValues("search", "POST", "405")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Requests.WithLabelValues("readyz", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Requests.WithLabelValues("notfound", "GET", "404")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Requests.WithLabelValues("notfound", "OTHER", "405")))
	assert.Equal(t, 0.0, testutil.ToFloat64(m.InFlight.WithLabelValues("search")))

	n, err := testutil.GatherAndCount(m.Registry, "docsearch_http_request_duration_seconds", "docsearch_search_results", "docsearch_http_response_size_bytes")
	require.NoError(t, err)
	assert.Positive(t, n)
	assert.NoError(t, testutil.GatherAndCompare(m.Registry, strings.NewReader(`
# HELP docsearch_build_info Always 1; labels say which build is running.
# TYPE docsearch_build_info gauge
docsearch_build_info{build="57",commit="abc123",version="1.2.3"} 1
`), "docsearch_build_info"))
	assert.NoError(t, testutil.GatherAndCompare(m.Registry, strings.NewReader(`
# HELP docsearch_search_results Documents returned per search.
# TYPE docsearch_search_results histogram
docsearch_search_results_bucket{le="0"} 0
docsearch_search_results_bucket{le="1"} 1
docsearch_search_results_bucket{le="3"} 2
docsearch_search_results_bucket{le="10"} 2
docsearch_search_results_bucket{le="30"} 2
docsearch_search_results_bucket{le="100"} 2
docsearch_search_results_bucket{le="300"} 2
docsearch_search_results_bucket{le="1000"} 2
docsearch_search_results_bucket{le="3000"} 2
docsearch_search_results_bucket{le="10000"} 2
docsearch_search_results_bucket{le="30000"} 2
docsearch_search_results_bucket{le="+Inf"} 2
docsearch_search_results_sum 3
docsearch_search_results_count 2
`), "docsearch_search_results"))
}

func TestResultIDs_BodyIsTheJSONOfTheIDs(t *testing.T) {
	ids := []string{"10", "11", "12", "2", `we"ird`, "x\\y", "7", "8"}
	r := newResultIDs(len(ids), func(d uint32) string { return ids[d] })
	tests := []struct {
		name string
		docs []uint32
	}{
		{"none", nil},
		{"one", []uint32{3}},
		{"first", []uint32{0}},
		{"last", []uint32{7}},
		{"one run", []uint32{1, 2, 3}},
		{"every document", []uint32{0, 1, 2, 3, 4, 5, 6, 7}},
		{"runs and gaps", []uint32{0, 1, 3, 5, 6, 7}},
		{"no two adjacent", []uint32{0, 2, 4, 6}},
		{"quotes and backslashes", []uint32{4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := struct {
				Results []string `json:"results"`
			}{Results: []string{}}
			for _, d := range tt.docs {
				want.Results = append(want.Results, ids[d])
			}
			wantBody, err := json.Marshal(want)
			require.NoError(t, err)
			got := r.appendJSON([]byte("prefix:"), index.MatchesOf(tt.docs))
			assert.Equal(t, "prefix:"+string(wantBody)+"\n", string(got))
		})
	}
}
