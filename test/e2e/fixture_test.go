//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestStack_ReconcilesFixtureFromGit proves the harness itself with a tiny
// repository (testdata/fixture: one Deployment and one ConfigMap) that an
// automated Application follows: bootstrap, a pushed image change, a
// hand edit reverted, and a removed file pruned.
func TestStack_ReconcilesFixtureFromGit(t *testing.T) {
	e := startEnv(t, false)
	repo := newOrigin(t, e.served, e.work, "fixture", func(dir string) {
		copyTree(t, "testdata/fixture", dir)
	})
	const ns = "fixture"
	app := &v1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "fixture"},
		Spec: v1alpha1.ApplicationSpec{
			Project: "default",
			Source: &v1alpha1.ApplicationSource{
				RepoURL:        e.gitURL + "fixture.git",
				Path:           "deploy",
				TargetRevision: "main",
			},
			Destination: v1alpha1.ApplicationDestination{Server: inCluster, Namespace: ns},
			SyncPolicy: &v1alpha1.SyncPolicy{
				Automated:   &v1alpha1.SyncPolicyAutomated{Prune: true, SelfHeal: true},
				SyncOptions: v1alpha1.SyncOptions{"CreateNamespace=true"},
			},
		},
	}
	_, err := e.apps.Create(e.ctx, app, metav1.CreateOptions{})
	require.NoError(t, err)

	t.Run("bootstrap syncs the Deployment from git", func(t *testing.T) {
		begin := time.Now()
		e.waitApp("fixture", "Synced", 2*time.Minute, synced(repo.head()))
		t.Logf("fixture Synced %s after creation", time.Since(begin).Round(time.Millisecond))
		d := e.deployment(ns, "web")
		assert.Equal(t, "registry.example/web:1.0.0", d.Spec.Template.Spec.Containers[0].Image)
		_, err := e.stack.Kube.CoreV1().ConfigMaps(ns).Get(e.ctx, "web-extra", metav1.GetOptions{})
		assert.NoError(t, err, "ConfigMap web-extra")
	})

	t.Run("a pushed image change is deployed", func(t *testing.T) {
		path := filepath.Join(repo.dir, "deploy", "deployment.yaml")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), "web:1.0.0", "web:1.1.0", 1)), 0o644))
		rev := repo.commitAll("web 1.1.0")
		repo.push()
		e.refresh("fixture")
		took := e.waitImage(ns, "web", "registry.example/web:1.1.0", time.Minute)
		t.Logf("image changed %s after push and refresh", took.Round(time.Millisecond))
		e.waitApp("fixture", "Synced to the pushed commit", time.Minute, synced(rev))
	})

	t.Run("a hand edit is reverted", func(t *testing.T) {
		patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.example/web:hand-edit"}]}}}}`
		_, err := e.stack.Kube.AppsV1().Deployments(ns).Patch(e.ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		require.NoError(t, err)
		took := e.waitImage(ns, "web", "registry.example/web:1.1.0", time.Minute)
		t.Logf("hand edit reverted after %s", took.Round(time.Millisecond))
	})

	t.Run("a file removed in git is pruned", func(t *testing.T) {
		repo.run("rm", "--quiet", "deploy/configmap.yaml")
		rev := repo.commitAll("Drop web-extra")
		repo.push()
		e.refresh("fixture")
		e.waitApp("fixture", "Synced to the pruning commit", time.Minute, synced(rev))
		require.Eventually(t, func() bool {
			_, err := e.stack.Kube.CoreV1().ConfigMaps(ns).Get(e.ctx, "web-extra", metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}, 30*time.Second, 200*time.Millisecond, "ConfigMap web-extra still exists")
	})
}
