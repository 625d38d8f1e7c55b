package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/buildinfo"
)

func TestHandlerMetrics_CountEachMethodAndCodeApart(t *testing.T) {
	m := New(buildinfo.Info{Version: "1", Build: "2", Commit: "3"})
	h := m.ForHandler("search")
	observations := []struct {
		method string
		code   int
	}{
		{"GET", 200}, {"GET", 200}, {"HEAD", 200}, {"GET", 400},
		{"OTHER", 405},
		{"GET", 500}, {"GET", 500}, // a code whose children are not kept
	}
	for _, o := range observations {
		h.Observe(o.method, o.code, 0.002, 100)
	}
	tests := []struct {
		method, code string
		want         float64
	}{
		{"GET", "200", 2}, {"HEAD", "200", 1}, {"GET", "400", 1}, {"OTHER", "405", 1}, {"GET", "500", 2}, {"HEAD", "400", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, testutil.ToFloat64(m.Requests.WithLabelValues("search", tt.method, tt.code)), "%s %s", tt.method, tt.code)
	}
	n, err := testutil.GatherAndCount(m.Registry, "docsearch_http_request_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 5, n, "one histogram per (handler, method, code) observed, none for codes never served")
	assert.Equal(t, 1, testutil.CollectAndCount(m.ResponseSize, "docsearch_http_response_size_bytes"))
}
