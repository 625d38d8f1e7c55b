package diff

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// BenchmarkCompare_RealCharts diffs the rendered public charts in
// ../shared/bench/real-charts (372 objects, 5.5 MB) against a copy where
// every Deployment gained a label, and writes the Markdown.
func BenchmarkCompare_RealCharts(b *testing.B) {
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "bench", "real-charts")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		b.Skip("../shared/bench/real-charts is absent (it sits beside the repository on the shared machine only)")
	}
	var base, head []Cluster
	changed := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		objs, err := manifest.Parse(data, manifest.Source{Cluster: name, Application: name, File: f})
		require.NoError(b, err)
		var edited []manifest.Object
		for _, o := range objs {
			c := manifest.Object{Source: o.Source, Object: o.Object.DeepCopy()}
			if c.Object.GetKind() == "Deployment" {
				labels := c.Object.GetLabels()
				if labels == nil {
					labels = map[string]string{}
				}
				labels["bench/changed"] = "yes"
				c.Object.SetLabels(labels)
				changed++
			}
			edited = append(edited, c)
		}
		base = append(base, Cluster{Name: name, Objects: objs})
		head = append(head, Cluster{Name: name, Objects: edited})
	}
	b.ReportMetric(float64(changed), "changed-objects")
	b.ResetTimer()
	for b.Loop() {
		report, err := Compare("base", "head", base, head)
		if err != nil {
			b.Fatal(err)
		}
		if err := report.WriteMarkdown(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
