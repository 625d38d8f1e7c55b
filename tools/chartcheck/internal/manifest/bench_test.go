package manifest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkParse_RealCharts reads the real-world corpus as one stream, the
// way `helm template ... | chartcheck check --manifests -` hands it over.
// Compare -cpu 1,2: documents are read in parallel.
func BenchmarkParse_RealCharts(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "..", "shared", "bench", "real-charts", "*.yaml"))
	if len(files) == 0 {
		b.Skip("../shared/bench/real-charts is absent")
	}
	var data []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		require.NoError(b, err)
		data = append(append(data, d...), "\n---\n"...)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		objs, err := Parse(data, Source{File: "corpus.yaml"})
		require.NoError(b, err)
		require.NotEmpty(b, objs)
	}
}
