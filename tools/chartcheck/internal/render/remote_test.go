package render

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/provenance"
	"helm.sh/helm/v3/pkg/repo"
)

// chartRepo serves a real Helm chart repository over HTTP on loopback: an
// index.yaml and one chart packaged with the Helm SDK. It counts requests.
func chartRepo(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	dir := t.TempDir()
	ch := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "remote", Version: "1.2.3"},
		Values:   map[string]any{"greeting": "hello"},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-remote
data:
  greeting: {{ .Values.greeting | quote }}
`)}},
	}
	archive, err := chartutil.Save(ch, dir)
	require.NoError(t, err)
	digest, err := provenance.DigestFile(archive)
	require.NoError(t, err)
	idx := repo.NewIndexFile()
	require.NoError(t, idx.MustAdd(ch.Metadata, filepath.Base(archive), "", digest))
	require.NoError(t, idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644))
	var hits atomic.Int64
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// remoteRepo writes a repository whose one cluster has an Application on a
// chart of the given Helm repository.
func remoteRepo(t *testing.T, repoURL, version string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"clusters/edge/kustomization.yaml": "resources: [app.yaml]\n",
		"clusters/edge/app.yaml": fmt.Sprintf(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: greeter
  namespace: argocd
spec:
  project: default
  source:
    repoURL: %s
    chart: remote
    targetRevision: %s
    helm:
      valuesObject:
        greeting: bonjour
  destination:
    server: https://kubernetes.default.svc
    namespace: greet
`, repoURL, version),
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

func TestCluster_PullsRemoteHelmChartsIntoTheCache(t *testing.T) {
	srv, hits := chartRepo(t)
	root := remoteRepo(t, srv.URL, "1.2.3")
	cache := t.TempDir()
	home := t.TempDir()
	for _, v := range []string{"HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		t.Setenv(v, filepath.Join(home, v))
	}
	opts := Options{RepoRoot: root, Cluster: "edge", CacheDir: cache}
	res, err := Cluster(context.Background(), opts)
	require.NoError(t, err)
	cm := find(t, res.Objects, "ConfigMap", "greeter-remote")
	assert.Equal(t, "bonjour", str(t, cm, "data", "greeting"))
	assert.Equal(t, srv.URL+"/remote@1.2.3/templates/cm.yaml", cm.Source.File)
	assert.Empty(t, res.Skipped)
	archives, _ := filepath.Glob(filepath.Join(cache, "charts", "*", "remote-1.2.3.tgz"))
	assert.Len(t, archives, 1, "the chart archive is kept in the cache folder")
	written, _ := os.ReadDir(home)
	assert.Empty(t, written, "Helm wrote nothing outside the cache folder")

	// A second render uses the cache: no request reaches the repository.
	before := hits.Load()
	_, err = Cluster(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, before, hits.Load())
}

func TestCluster_OfflineSkipsRemoteChartsWithAReason(t *testing.T) {
	srv, hits := chartRepo(t)
	root := remoteRepo(t, srv.URL, "1.2.3")
	res, err := Cluster(context.Background(), Options{RepoRoot: root, Cluster: "edge", CacheDir: t.TempDir(), Offline: true})
	require.NoError(t, err)
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, "greeter", res.Skipped[0].Application)
	assert.Contains(t, res.Skipped[0].Reason, "remote Helm chart remote 1.2.3 from "+srv.URL)
	assert.Zero(t, hits.Load(), "offline means no request")
	assert.False(t, has(res.Objects, "ConfigMap", "greeter-remote"))
}

func TestCluster_MissingRemoteChartVersionIsAnError(t *testing.T) {
	srv, _ := chartRepo(t)
	root := remoteRepo(t, srv.URL, "9.9.9")
	_, err := Cluster(context.Background(), Options{RepoRoot: root, Cluster: "edge", CacheDir: t.TempDir()})
	require.Error(t, err)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "greeter", e.Application)
	assert.Equal(t, "clusters/edge/app.yaml:1", e.File)
	assert.Contains(t, err.Error(), "remote 9.9.9")
}

func TestCluster_OutputDoesNotDependOnParallelism(t *testing.T) {
	one := renderFixture(t, "features", "demo", func(o *Options) { o.Parallelism = 1 })
	many := renderFixture(t, "features", "demo", func(o *Options) { o.Parallelism = 8 })
	require.Equal(t, len(one.Objects), len(many.Objects))
	for i := range one.Objects {
		assert.Equal(t, one.Objects[i].Source, many.Objects[i].Source)
		assert.Equal(t, one.Objects[i].Object.Object, many.Objects[i].Object.Object)
	}
}
