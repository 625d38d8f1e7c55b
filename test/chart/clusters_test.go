package chart

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each cluster's values and image files (clusters/<name>/doc-search) must pass
// the schema, render, and give pods that pass Pod Security "restricted".
func TestClusters_ValuesRenderRestrictedPods(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(repoRoot(t), "clusters", "*", "doc-search"))
	require.NoError(t, err)
	// None is a failure: a renamed folder must not pass this vacuously.
	require.NotEmpty(t, dirs, "no clusters/*/doc-search folders")
	for _, dir := range dirs {
		cluster := filepath.Base(filepath.Dir(dir))
		t.Run(cluster, func(t *testing.T) {
			var files []string
			for _, name := range []string{"values.yaml", "image.yaml"} {
				f := filepath.Join(dir, name)
				if _, err := os.Stat(f); err == nil {
					files = append(files, f)
				}
			}
			require.NotEmpty(t, files)
			r, err := renderChart(t, renderOptions{apiVersions: monitoringAPIs}, nil, files...)
			require.NoError(t, err, "rendering with %v", files)
			d := deployment(t, r)
			assert.NotEmpty(t, appContainer(t, d).Image)
			for name, pod := range podTemplates(t, r) {
				assert.Empty(t, restrictedViolations(t, pod), "%s in cluster %s", name, cluster)
			}
		})
	}
}
