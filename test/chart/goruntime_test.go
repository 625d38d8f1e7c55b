package chart

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The downward API values the kubelet would put in GOMEMLIMIT and GOMAXPROCS
// reach the Go runtime of the real process, as its own metrics report.
func TestGoRuntime_SizedFromTheRenderedLimits(t *testing.T) {
	bin := needDocSearch(t)
	tests := []struct {
		memory, cpu  string
		wantMemLimit float64
		wantMaxProcs float64
	}{
		{memory: "256Mi", cpu: "1", wantMemLimit: 256 << 20, wantMaxProcs: 1},
		{memory: "300Mi", cpu: "1500m", wantMemLimit: 300 << 20, wantMaxProcs: 2}, // CPU rounds up
	}
	for _, tt := range tests {
		t.Run(tt.memory+"_"+tt.cpu, func(t *testing.T) {
			d := deployment(t, mustRender(t, renderOptions{}, "resources.limits.memory="+tt.memory, "resources.limits.cpu="+tt.cpu))
			p, err := startDocSearch(bin, appContainer(t, d), probeScale)
			require.NoError(t, err)
			t.Cleanup(func() { p.stop(0) })
			port, ok := p.port("metrics")
			require.True(t, ok)

			res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
			require.NoError(t, err)
			defer res.Body.Close()
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(res.Body)
			require.NoError(t, err)
			gauge := func(name string) float64 {
				f, ok := families[name]
				require.True(t, ok, "metric %s", name)
				require.Len(t, f.GetMetric(), 1)
				return f.GetMetric()[0].GetGauge().GetValue()
			}
			assert.Equal(t, tt.wantMemLimit, gauge("go_gc_gomemlimit_bytes"))
			assert.Equal(t, tt.wantMaxProcs, gauge("go_sched_gomaxprocs_threads"))
		})
	}
}
