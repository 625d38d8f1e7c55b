package latencyplot

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
)

func samples(values ...float64) []model.SamplePair {
	out := make([]model.SamplePair, len(values))
	for i, v := range values {
		out[i] = model.SamplePair{Timestamp: model.Time(1_700_000_000_000 + int64(i)*1000), Value: model.SampleValue(v)}
	}
	return out
}

func TestSavePNG_WritesADecodablePNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	err := SavePNG(Chart{Title: "search latency", Series: []Series{
		{Name: "p50", Samples: samples(0.001, 0.0012, math.NaN(), 0.0011)},
		{Name: "p99", Samples: samples(0.004, 0.005, 0.0045, 0.006)},
	}}, path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dx(), 500)
}

func TestSavePNG_DrawsBucketGridOnALogAxis(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	require.NoError(t, SavePNG(Chart{Title: "search latency", Buckets: []float64{0.0001, 0.001, 0.01}, Series: []Series{
		{Name: "p50", Samples: samples(0.0002, 0.0003), Reference: &Reference{Name: "hey p50", Seconds: 0.0004}},
	}}, path))
	assert.Equal(t, []float64{0.1, 1}, tickValues(bucketTicks{0.0001, 0.001, 0.01}.Ticks(0.05, 5)))
}

func tickValues(ticks []plot.Tick) []float64 {
	var out []float64
	for _, tk := range ticks {
		out = append(out, tk.Value)
	}
	return out
}

func TestSavePNG_RefusesAnEmptyChart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	assert.ErrorContains(t, SavePNG(Chart{}, path), "no series")
	assert.ErrorContains(t, SavePNG(Chart{Series: []Series{{Name: "p50", Samples: samples(math.NaN())}}}, path), "every sample is NaN")
}

func TestRuns_SplitAtNaNInMilliseconds(t *testing.T) {
	s := samples(0.001, math.NaN(), 0.002, 0.003)
	r := runs(s, s[0].Timestamp)
	require.Len(t, r, 2)
	assert.Equal(t, 1.0, r[0][0].Y)
	assert.Equal(t, 2.0, r[1][0].X)
	assert.Equal(t, 3.0, r[1][1].Y)
}
