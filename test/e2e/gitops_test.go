//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/test/e2e/stack"
)

// The doc-search release's objects are named after the Helm release.
const release = "doc-search"

var (
	serviceMonitors = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "servicemonitors"}
	prometheusRules = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheusrules"}
)

// TestGitOps_MinikubeFollowsMain: the root Application of clusters/minikube
// bootstraps doc-search; a promotion commit is deployed after a refresh; a
// hand edit is undone; a revert rolls the image back; a removed template is
// pruned.
func TestGitOps_MinikubeFollowsMain(t *testing.T) {
	e := startEnv(t)
	e.installPrometheusCRDs()
	repo, url := e.cloneThisRepo()
	e.followLocalServer(repo, "minikube", url)
	ns := docSearchNamespace(t, repo, "minikube")

	begin := time.Now()
	e.applyRoot(repo, "minikube", url)
	t.Run("bootstrap syncs every Application and creates doc-search", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		rev := repo.head()
		e.waitApp("root", "Synced", 3*time.Minute, synced(rev))
		e.waitApp(release, "sync succeeded", 3*time.Minute, allOf(syncSucceeded(rev), synced(rev)))
		t.Logf("minikube bootstrapped in %s", time.Since(begin).Round(time.Millisecond))
		e.assertAllAppsSynced()
		e.assertDocSearchObjects(ns, false)
		assert.Equal(t, expectedImage(t, repo, "minikube"), e.deployment(ns, release).Spec.Template.Spec.Containers[0].Image)
	})

	promote := e.buildTool("github.com/doc-search/gitops/tools/promote")
	var before, promoted string
	var promotion string
	t.Run("a promotion commit is deployed after a refresh", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		before = expectedImage(t, repo, "minikube")
		runTool(t, repo.dir, promote, "set", "--cluster", "minikube", "--tag", "1.0.0-build.2")
		promotion = repo.head()
		repo.push()
		promoted = expectedImage(t, repo, "minikube")
		require.NotEqual(t, before, promoted, "promote set changed nothing")
		e.refresh(release)
		took := e.waitImage(ns, release, promoted, time.Minute)
		t.Logf("promotion deployed %s after push and refresh", took.Round(time.Millisecond))
		e.waitApp(release, "Synced to the promotion", time.Minute, synced(promotion))
	})

	t.Run("a hand edit of the Deployment is reverted", func(t *testing.T) {
		e := e.with(t)
		require.NotEmpty(t, promoted)
		patch := `{"spec":{"template":{"spec":{"containers":[{"name":"doc-search","image":"ghcr.io/doc-search/doc-search:hand-edit"}]}}}}`
		_, err := e.stack.Kube.AppsV1().Deployments(ns).Patch(e.ctx, release, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		require.NoError(t, err)
		took := e.waitImage(ns, release, promoted, time.Minute)
		t.Logf("hand edit reverted after %s", took.Round(time.Millisecond))
	})

	t.Run("reverting the promotion commit rolls the image back", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		require.NotEmpty(t, promotion)
		repo.run("revert", "--no-edit", promotion)
		rev := repo.head()
		repo.push()
		e.refresh(release)
		took := e.waitImage(ns, release, before, time.Minute)
		t.Logf("rollback deployed %s after push and refresh", took.Round(time.Millisecond))
		e.waitApp(release, "Synced to the revert", time.Minute, synced(rev))
	})

	t.Run("a template removed in a commit is pruned", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		dashboards := e.dashboardConfigMaps(ns)
		require.NotEmpty(t, dashboards, "no dashboard ConfigMap to prune")
		repo.run("rm", "--quiet", "charts/doc-search/templates/dashboard.yaml")
		rev := repo.commitAll("Drop the dashboard")
		repo.push()
		e.refresh(release)
		// PruneLast: Argo CD prunes once everything else is healthy, which
		// needs the Deployment's Pods ready.
		require.Eventually(t, func() bool {
			e.markPodsReady(ns)
			return len(e.dashboardConfigMaps(ns)) == 0
		}, time.Minute, 500*time.Millisecond, "dashboard ConfigMap %v still exists", dashboards)
		e.waitApp(release, "Synced to the pruning commit", time.Minute, synced(rev))
	})
}

// TestGitOps_ProdWaitsForSyncFromUI: prod's Applications sync only when a
// sync operation is started as the UI's Sync button does; a promotion
// commit leaves them OutOfSync until then.
func TestGitOps_ProdWaitsForSyncFromUI(t *testing.T) {
	e := startEnv(t)
	e.installPrometheusCRDs()
	repo, url := e.cloneThisRepo()
	e.followLocalServer(repo, "prod", url)
	ns := docSearchNamespace(t, repo, "prod")
	rev := repo.head()

	e.applyRoot(repo, "prod", url)
	t.Run("bootstrap waits for a sync from the UI", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		e.waitApp("root", "OutOfSync", 2*time.Minute, outOfSyncAt(rev))
		e.syncLikeUI("root")
		e.waitApp("root", "Synced", 2*time.Minute, synced(rev))
		e.waitApp(release, "OutOfSync", 2*time.Minute, outOfSyncAt(rev))
		_, err := e.stack.Kube.AppsV1().Deployments(ns).Get(e.ctx, release, metav1.GetOptions{})
		require.True(t, apierrors.IsNotFound(err), "Deployment created before any sync: %v", err)
		e.syncLikeUI(release)
		e.waitApp(release, "sync succeeded", 2*time.Minute, allOf(syncSucceeded(rev), synced(rev)))
		e.assertAllAppsSynced()
		e.assertDocSearchObjects(ns, true)
		assert.Equal(t, expectedImage(t, repo, "prod"), e.deployment(ns, release).Spec.Template.Spec.Containers[0].Image)
	})

	t.Run("a promotion commit waits for a sync from the UI", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		before := expectedImage(t, repo, "prod")
		promote := e.buildTool("github.com/doc-search/gitops/tools/promote")
		runTool(t, repo.dir, promote, "set", "--cluster", "prod", "--tag", "1.0.0-build.2",
			"--digest", "sha256:1111111111111111111111111111111111111111111111111111111111111111")
		promotion := repo.head()
		repo.push()
		promoted := expectedImage(t, repo, "prod")
		require.NotEqual(t, before, promoted)
		e.refresh(release)
		e.waitApp(release, "OutOfSync at the promotion", time.Minute, outOfSyncAt(promotion))
		// Argo CD has compared the new commit and must not act on it alone.
		time.Sleep(3 * time.Second)
		app := e.waitApp(release, "still OutOfSync", time.Second, outOfSyncAt(promotion))
		assert.Nil(t, app.Operation, "an operation started without the UI")
		assert.Equal(t, before, e.deployment(ns, release).Spec.Template.Spec.Containers[0].Image)

		e.syncLikeUI(release)
		e.waitApp(release, "sync succeeded after the UI sync", 2*time.Minute, allOf(syncSucceeded(promotion), synced(promotion)))
		assert.Equal(t, promoted, e.deployment(ns, release).Spec.Template.Spec.Containers[0].Image)
	})
}

// assertAllAppsSynced waits for every Application Argo CD knows to be
// Synced.
func (e *env) assertAllAppsSynced() {
	e.t.Helper()
	list, err := e.apps.List(e.ctx, metav1.ListOptions{})
	require.NoError(e.t, err)
	require.NotEmpty(e.t, list.Items)
	for _, app := range list.Items {
		e.waitApp(app.Name, "Synced", time.Minute, synced(""))
	}
}

// assertDocSearchObjects checks the objects the chart renders with the
// clusters' values; HPA and PDB are prod's.
func (e *env) assertDocSearchObjects(ns string, prod bool) {
	e.t.Helper()
	kube := e.stack.Kube
	_, err := kube.AppsV1().Deployments(ns).Get(e.ctx, release, metav1.GetOptions{})
	assert.NoError(e.t, err, "Deployment")
	svc, err := kube.CoreV1().Services(ns).Get(e.ctx, release, metav1.GetOptions{})
	if assert.NoError(e.t, err, "Service") {
		var ports []string
		for _, p := range svc.Spec.Ports {
			ports = append(ports, p.Name)
		}
		assert.ElementsMatch(e.t, []string{"http", "metrics"}, ports)
	}
	_, err = e.stack.Dynamic.Resource(serviceMonitors).Namespace(ns).Get(e.ctx, release, metav1.GetOptions{})
	assert.NoError(e.t, err, "ServiceMonitor")
	_, err = e.stack.Dynamic.Resource(prometheusRules).Namespace(ns).Get(e.ctx, release, metav1.GetOptions{})
	assert.NoError(e.t, err, "PrometheusRule")
	assert.NotEmpty(e.t, e.dashboardConfigMaps(ns), "dashboard ConfigMap")
	_, err = kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(e.ctx, release, metav1.GetOptions{})
	assertExists(e.t, prod, err, "HorizontalPodAutoscaler")
	_, err = kube.PolicyV1().PodDisruptionBudgets(ns).Get(e.ctx, release, metav1.GetOptions{})
	assertExists(e.t, prod, err, "PodDisruptionBudget")
}

func assertExists(t *testing.T, want bool, err error, what string) {
	t.Helper()
	if want {
		assert.NoError(t, err, what)
	} else {
		assert.True(t, apierrors.IsNotFound(err), "%s should not exist: %v", what, err)
	}
}

// dashboardConfigMaps names the ConfigMaps Grafana's sidecar picks up.
func (e *env) dashboardConfigMaps(ns string) []string {
	e.t.Helper()
	list, err := e.stack.Kube.CoreV1().ConfigMaps(ns).List(e.ctx, metav1.ListOptions{LabelSelector: "grafana_dashboard=1"})
	require.NoError(e.t, err)
	var names []string
	for _, cm := range list.Items {
		names = append(names, cm.Name)
	}
	return names
}

// docSearchNamespace is the doc-search Application's destination namespace
// in the cluster folder of the clone.
func docSearchNamespace(t *testing.T, repo *gitRepo, cluster string) string {
	t.Helper()
	var app struct {
		Spec struct {
			Destination struct{ Namespace string }
		}
	}
	readYAML(t, filepath.Join(repo.dir, "clusters", cluster, "doc-search", "application.yaml"), &app)
	require.NotEmpty(t, app.Spec.Destination.Namespace)
	return app.Spec.Destination.Namespace
}

// expectedImage is the image reference the chart renders for the cluster
// from the clone's current values: repository@digest when a digest is
// set, else repository:tag.
func expectedImage(t *testing.T, repo *gitRepo, cluster string) string {
	t.Helper()
	type values struct {
		Image struct{ Repository, Tag, Digest string }
	}
	var chart, clusterValues, image values
	readYAML(t, filepath.Join(repo.dir, "charts", "doc-search", "values.yaml"), &chart)
	readYAML(t, filepath.Join(repo.dir, "clusters", cluster, "doc-search", "values.yaml"), &clusterValues)
	readYAML(t, filepath.Join(repo.dir, "clusters", cluster, "doc-search", "image.yaml"), &image)
	repository := chart.Image.Repository
	if clusterValues.Image.Repository != "" {
		repository = clusterValues.Image.Repository
	}
	require.NotEmpty(t, image.Image.Tag, "clusters/%s/doc-search/image.yaml: image.tag", cluster)
	if image.Image.Digest != "" {
		return repository + "@" + image.Image.Digest
	}
	return repository + ":" + image.Image.Tag
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, v), "parsing %s", path)
}

// TestChartcheck_RenderIsAcceptedByAPIServer: every object `chartcheck
// render` produces for the clusters passes a server-side dry run with
// strict field validation against a real API server that has Argo CD's and
// the Prometheus operator's CRDs, so a schema drift between what chartcheck
// renders and what a cluster accepts fails here.
func TestChartcheck_RenderIsAcceptedByAPIServer(t *testing.T) {
	e := startEnv(t)
	e.installPrometheusCRDs()
	repo, _ := e.cloneThisRepo()
	chartcheck := e.buildTool("github.com/doc-search/gitops/tools/chartcheck")

	// The dry run must refuse what a cluster refuses, or passing proves
	// nothing: a misspelt field is an error, not silently dropped.
	bad, err := stack.DecodeYAML([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndatta:\n  a: b\n"))
	require.NoError(t, err)
	err = e.stack.Apply(e.ctx, bad, stack.ApplyOptions{DryRun: true})
	require.ErrorContains(t, err, `.datta: field not declared in schema`)
	for _, cluster := range []string{"minikube", "prod"} {
		t.Run(cluster, func(t *testing.T) {
			cmd := exec.Command(chartcheck, "render", "--offline", "--repo-url", upstreamRepo, "clusters/"+cluster)
			cmd.Dir = repo.dir
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			require.NoError(t, err, "chartcheck render clusters/%s: %s", cluster, stderr.String())
			if stderr.Len() > 0 {
				t.Logf("chartcheck render clusters/%s reported:\n%s", cluster, stderr.String())
			}
			objs, err := stack.DecodeYAML(out)
			require.NoError(t, err, "parsing chartcheck render clusters/%s", cluster)
			require.NotEmpty(t, objs)

			// A dry run of a namespaced object needs its namespace to exist:
			// create those the render names, then dry-run everything.
			for _, ns := range namespacesOf(objs) {
				e.ensureNamespace(ns)
			}
			kinds := map[string]int{}
			for _, obj := range objs {
				kinds[obj.GetKind()]++
				err := e.stack.Apply(e.ctx, []*unstructured.Unstructured{obj}, stack.ApplyOptions{DryRun: true})
				assert.NoError(t, err, "dry run of %s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
			}
			t.Logf("clusters/%s: %d objects accepted by kind: %v", cluster, len(objs), kinds)
		})
	}
}

// namespacesOf lists the namespaces the objects live in.
func namespacesOf(objs []*unstructured.Unstructured) []string {
	seen := map[string]bool{}
	var out []string
	for _, obj := range objs {
		if ns := obj.GetNamespace(); ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

func (e *env) ensureNamespace(name string) {
	e.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := e.stack.Kube.CoreV1().Namespaces().Create(e.ctx, ns, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(e.t, err, "creating namespace %s", name)
	}
}
