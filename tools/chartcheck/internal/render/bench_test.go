package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchRepo writes a repository whose cluster "bench" holds n Applications
// over this repository's doc-search chart (the same shape bench/render.sh
// times against the helm and kustomize CLIs).
func benchRepo(b *testing.B, n int) string {
	b.Helper()
	chart, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "charts", "doc-search"))
	require.NoError(b, err)
	if _, err := os.Stat(chart); err != nil {
		b.Skip("charts/doc-search is not in this checkout")
	}
	root := b.TempDir()
	require.NoError(b, os.CopyFS(filepath.Join(root, "charts", "doc-search"), os.DirFS(chart)))
	var apps strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&apps, `---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: doc-search-%d
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.invalid/bench.git
    targetRevision: main
    path: charts/doc-search
    helm:
      valueFiles:
        - /clusters/bench/doc-search/values.yaml
        - /clusters/bench/doc-search/image.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: bench-%d
`, i, i)
	}
	files := map[string]string{
		"clusters/bench/kustomization.yaml":     "resources:\n  - apps.yaml\n",
		"clusters/bench/apps.yaml":              apps.String(),
		"clusters/bench/doc-search/values.yaml": "replicaCount: 3\nautoscaling:\n  enabled: true\n  minReplicas: 3\n  maxReplicas: 10\npodDisruptionBudget:\n  enabled: true\n  minAvailable: 2\nnetworkPolicy:\n  enabled: true\n",
		"clusters/bench/doc-search/image.yaml":  "image:\n  tag: \"1.0.0-build.1\"\n  digest: \"\"\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(b, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(b, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

// BenchmarkCluster renders 10, 100 and 1,000 doc-search Applications; the
// time per Application should stay flat as the count grows.
func BenchmarkCluster(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			root := benchRepo(b, n)
			opts := Options{RepoRoot: root, RepoURLs: []string{"https://example.invalid/bench.git"}, Cluster: "bench", Offline: true}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := Cluster(context.Background(), opts)
				require.NoError(b, err)
				require.Len(b, res.Applications, n)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/app")
		})
	}
}
