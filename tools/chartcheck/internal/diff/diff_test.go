package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// loadSide reads testdata/<side>/<cluster>/<application>.yaml; the file
// "_.yaml" holds the objects built from the cluster folder itself.
func loadSide(t *testing.T, side string) []Cluster {
	t.Helper()
	dirs, err := os.ReadDir(filepath.Join("testdata", side))
	require.NoError(t, err)
	var out []Cluster
	for _, d := range dirs {
		c := Cluster{Name: d.Name()}
		files, err := filepath.Glob(filepath.Join("testdata", side, d.Name(), "*.yaml"))
		require.NoError(t, err)
		for _, f := range files {
			app := strings.TrimSuffix(filepath.Base(f), ".yaml")
			if app == "_" {
				app = ""
			}
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			objs, err := manifest.Parse(data, manifest.Source{Cluster: c.Name, Application: app, File: f})
			require.NoError(t, err)
			c.Objects = append(c.Objects, objs...)
		}
		out = append(out, c)
	}
	return out
}

func TestCompare_FindsAddedRemovedAndChangedObjectsPerApplication(t *testing.T) {
	report, err := Compare("main", "HEAD", loadSide(t, "base"), loadSide(t, "head"))
	require.NoError(t, err)

	require.True(t, report.HasChanges())
	require.Len(t, report.Clusters, 2)
	assert.Equal(t, "minikube", report.Clusters[0].Name)
	assert.Empty(t, report.Clusters[0].Applications, "minikube renders the same at both revisions")

	prod := report.Clusters[1]
	require.Len(t, prod.Applications, 1, "the cluster folder's Namespace did not change")
	app := prod.Applications[0]
	assert.Equal(t, "doc-search", app.Name)
	var got []string
	for _, c := range app.Changes {
		got = append(got, string(c.Kind)+" "+c.Ref)
	}
	assert.Equal(t, []string{
		"added Service/doc-search/doc-search",
		"removed ConfigMap/doc-search/doc-search-dashboard",
		"changed Deployment/doc-search/doc-search",
		"changed Secret/doc-search/doc-search-token",
	}, got)
	assert.Contains(t, app.Changes[2].Diff, "-        image: ghcr.io/doc-search/doc-search:1.0.0-build.1\n+        image: ghcr.io/doc-search/doc-search:1.4.0-build.57\n")
	assert.True(t, strings.HasPrefix(app.Changes[2].Diff, "--- main\n+++ HEAD\n"))
}

func TestCompare_MasksSecretValuesButShowsWhichKeysChanged(t *testing.T) {
	report, err := Compare("main", "HEAD", loadSide(t, "base"), loadSide(t, "head"))
	require.NoError(t, err)
	var secret Change
	for _, c := range report.Clusters[1].Applications[0].Changes {
		if strings.HasPrefix(c.Ref, "Secret/") {
			secret = c
		}
	}
	require.NotEmpty(t, secret.Diff)

	for _, leak := range []string{"supersecret", "c3VwZXJzZWNyZXQ", "keep-me", "a2VlcC1tZQ", "stringData"} {
		assert.NotContains(t, secret.Diff, leak)
	}
	assert.Contains(t, secret.Diff, "-  token: ++++++++")
	assert.Regexp(t, `\+  token: \+{9,}`, secret.Diff, "a changed value is masked with a different length")
	assert.Contains(t, secret.Diff, "   unchanged: ++++++++\n", "an unchanged value stays a context line")
}

func TestCompare_ClusterAtOneRevisionOnlyIsAllAddedOrRemoved(t *testing.T) {
	base := loadSide(t, "base")
	report, err := Compare("main", "HEAD", base[:1], base)
	require.NoError(t, err)
	require.Len(t, report.Clusters, 2)
	prod := report.Clusters[1]
	require.Len(t, prod.Applications, 2)
	for _, a := range prod.Applications {
		assert.Equal(t, len(a.Changes), a.Count(Added), "application %q", a.Name)
	}
}

func TestWriteMarkdown_SummaryTableAndCollapsibleSections(t *testing.T) {
	report, err := Compare("main", "HEAD", loadSide(t, "base"), loadSide(t, "head"))
	require.NoError(t, err)
	report.Clusters[0].Skipped = []string{"kube-prometheus-stack: remote chart not pulled (--offline)"}
	var buf bytes.Buffer
	require.NoError(t, report.WriteMarkdown(&buf))

	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
}

func TestWriteMarkdown_SaysSoWhenNothingChanged(t *testing.T) {
	base := loadSide(t, "base")
	report, err := Compare("main", "HEAD", base, base)
	require.NoError(t, err)
	assert.False(t, report.HasChanges())
	var buf bytes.Buffer
	require.NoError(t, report.WriteMarkdown(&buf))
	assert.Equal(t, Marker+"\n## Rendered manifests: `main` → `HEAD`\n\nNo changes: every cluster renders to the same objects.\n", buf.String())
}

func TestCodeFence_IsLongerThanAnyBacktickRunInside(t *testing.T) {
	tests := map[string]string{
		"no backticks":      "```",
		"inline `code`":     "```",
		"a ``` fence":       "````",
		"a ````` long one":  "``````",
		"``` and then ````": "`````",
	}
	for in, want := range tests {
		assert.Equal(t, want, codeFence(in), in)
	}
}
