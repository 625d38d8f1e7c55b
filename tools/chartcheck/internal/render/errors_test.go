package render

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCluster_BadInputNamesClusterApplicationAndFile(t *testing.T) {
	tests := map[string]struct {
		app, file, msg string
	}{
		"broken-kustomization": {file: "clusters/broken-kustomization/kustomization.yaml", msg: "missing.yaml"},
		"helm-error":           {app: "bad", file: "charts/bad", msg: "bad/templates/cm.yaml:6"},
		"missing-values":       {app: "ok", file: "charts/ok", msg: "clusters/missing-values/not-there.yaml does not exist"},
		"escape":               {app: "outside", file: "clusters/escape/apps.yaml:1", msg: "app path outside root"},
		"cycle":                {app: "a", file: "apps/b/app.yaml:1", msg: "cycle of Applications: a -> b -> a"},
		"duplicate":            {app: "two", file: "apps/dup2/cm.yaml:1", msg: "duplicate object ConfigMap/same: also rendered by application one at apps/dup1/cm.yaml:1"},
		"bad-application":      {file: "clusters/bad-application/apps.yaml:1", msg: `unknown field "helmm"`},
	}
	for cluster, tc := range tests {
		t.Run(cluster, func(t *testing.T) {
			_, err := Cluster(context.Background(), Options{RepoRoot: fixtureRepo("broken"), Cluster: cluster, Offline: true})
			require.Error(t, err)
			var e *Error
			require.True(t, errors.As(err, &e), "want a *render.Error, got %T: %v", err, err)
			assert.Equal(t, cluster, e.Cluster)
			assert.Equal(t, tc.app, e.Application)
			assert.Equal(t, tc.file, e.File)
			assert.Contains(t, err.Error(), tc.msg)
			abs, _ := filepath.Abs(fixtureRepo("broken"))
			assert.NotContains(t, err.Error(), abs, "errors use repository-relative paths")
		})
	}
}

func TestCluster_UnknownClusterIsAnError(t *testing.T) {
	_, err := Cluster(context.Background(), Options{RepoRoot: fixtureRepo("features"), Cluster: "nope", Offline: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "clusters/nope")
}

// snapshot hashes every file under dir, so a test can prove rendering wrote
// nothing there.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = sha256.Sum256(data)
		return err
	}))
	return out
}

func TestCluster_WritesNothingIntoTheRepository(t *testing.T) {
	before := snapshot(t, fixtureRepo("features"))
	renderFixture(t, "features", "demo", nil)
	assert.Equal(t, before, snapshot(t, fixtureRepo("features")), "kustomize edits and helm values stay in memory")
}
