package dashboard

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/valid.json")
	require.NoError(t, err)
	return string(b)
}

func TestValidate_AcceptsAWellFormedDashboard(t *testing.T) {
	d, err := Decode([]byte(load(t)))
	require.NoError(t, err)
	assert.NoError(t, d.Validate())
}

func TestDecodeAndValidate_RejectBrokenDashboards(t *testing.T) {
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"unknown top-level field", `"editable": false`, `"editabel": false`, `unknown field "editabel"`},
		{"unknown target field", `"refId": "A", "expr": "sum(up)"`, `"refId": "A", "exp": "sum(up)"`, `unknown field "exp"`},
		{"old schema", `"schemaVersion": 39`, `"schemaVersion": 27`, "schemaVersion 27"},
		{"datasource by name", `"datasource": {"type": "prometheus", "uid": "${datasource}"},
      "targets"`, `"datasource": "Prometheus",
      "targets"`, `panel 1 "Latency": datasource "Prometheus" is not a {type, uid} reference`},
		{"duplicate panel id", `"id": 3`, `"id": 1`, `panel 1 "Up": id already used`},
		{"off the grid", `"x": 0, "y": 0, "w": 12`, `"x": 18, "y": 0, "w": 12`, "off Grafana's 24-column grid"},
		{"missing gridPos", `"gridPos": {"x": 0, "y": 9, "w": 6, "h": 4},`, ``, `panel 3 "Up": gridPos is missing`},
		{"duplicate refId", `"targets": [{"refId": "A", "expr": "sum(up)"}]`, `"targets": [{"refId": "A", "expr": "sum(up)"}, {"refId": "A", "expr": "sum(up)"}]`, "refId must be set and unique"},
		{"empty expr", `"expr": "sum(up)"`, `"expr": ""`, "expr is empty"},
		{"undefined variable", `"expr": "sum(up)"`, `"expr": "sum(up{job=\"$job\"})"`, "undefined variable $job"},
		{"empty title", `"title": "example"`, `"title": ""`, "title is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := load(t)
			require.Contains(t, src, tt.from, "fixture changed")
			d, err := Decode([]byte(strings.Replace(src, tt.from, tt.to, 1)))
			if err == nil {
				err = d.Validate()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestExpressions_ReplaceBuiltinsAndIncludeRowPanels(t *testing.T) {
	d, err := Decode([]byte(load(t)))
	require.NoError(t, err)
	assert.Equal(t, []Expression{
		{Panel: "Latency", RefID: "A", Expr: "histogram_quantile(0.5, sum by (le) (rate(x_bucket[1m])))"},
		{Panel: "Up", RefID: "A", Expr: "sum(up)"},
	}, d.Expressions(map[string]string{"__rate_interval": "1m"}))
}
