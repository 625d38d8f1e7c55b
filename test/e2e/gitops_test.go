//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
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

// TestGitOps_MinikubeFollowsMain: on a real node, the root Application of
// clusters/minikube bootstraps doc-search until its Pods are Ready and it
// answers through its NodePort; a promotion commit and its revert roll the
// Deployment under load without a failed request; a hand edit is undone;
// the startup probe holds a slow start and restarts one whose budget is too
// short; a removed template is pruned.
func TestGitOps_MinikubeFollowsMain(t *testing.T) {
	e := startEnv(t, true)
	e.installPrometheusCRDs()
	repo, url := e.cloneThisRepo()
	e.followLocalServer(repo, "minikube", url)
	ns := docSearchNamespace(t, repo, "minikube")

	begin := time.Now()
	e.applyRoot(repo, "minikube", url)
	t.Run("bootstrap syncs every Application and runs doc-search", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		rev := repo.head()
		e.waitApp("root", "Synced", 3*time.Minute, synced(rev))
		e.waitApp(release, "Synced and Healthy", 4*time.Minute, allOf(syncSucceeded(rev), synced(rev), healthy))
		image := expectedImage(t, repo, "minikube")
		e.waitRolledOut(ns, release, image, time.Minute)
		took := time.Since(begin)
		e.assertAllAppsSynced()
		e.assertDocSearchObjects(ns, false)
		pods := e.pods(ns, e.deployment(ns, release))
		require.Len(t, pods, 1)
		e.assertRestricted(&pods[0])
		proved(t, "1", "minikube root applied -> every Application Synced, doc-search Healthy with %d Pod Ready after %s (Argo CD runs as processes, not Pods)",
			len(pods), took.Round(time.Second))
		proved(t, "2", "%s built with the Dockerfile's go build line runs as uid %s, no shell, read-only root, no capabilities, seccomp filter",
			image, e.inspectContainer(&pods[0]).uid)
	})

	t.Run("doc-search answers from outside the cluster on its NodePort", func(t *testing.T) {
		e := e.with(t)
		base := e.nodeURL(ns, release)
		results, err := search(e.client(), base, "hello world")
		require.NoError(t, err)
		assert.Contains(t, results, "1", "q=hello+world should find document 1")
		proved(t, "4", "GET %s/search?q=hello+world from outside the Pod network -> documents %v", base, results)
	})

	promote := e.buildTool("github.com/doc-search/gitops/tools/promote")
	var before, promoted string
	var promotion string
	t.Run("a promotion commit rolls out under load without a failed request", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		before = expectedImage(t, repo, "minikube")
		l := e.startLoad(e.nodeURL(ns, release), 4)
		runTool(t, repo.dir, promote, "set", "--cluster", "minikube", "--tag", docSearchBuilds[1])
		promotion = repo.head()
		repo.push()
		promoted = expectedImage(t, repo, "minikube")
		require.NotEqual(t, before, promoted, "promote set changed nothing")
		e.refresh(release)
		took := e.waitRolledOut(ns, release, promoted, 2*time.Minute)
		sent, failed, errs := l.finish()
		assert.Zero(t, failed, "failed requests during the rollout: %v", errs)
		assert.Positive(t, sent)
		e.waitApp(release, "Synced to the promotion and Healthy", time.Minute, allOf(synced(promotion), healthy))
		proved(t, "6", "promotion rolled out in %s: %d requests sent, %d failed", took.Round(time.Second), sent, failed)
	})

	t.Run("a hand edit of the Deployment is reverted", func(t *testing.T) {
		e := e.with(t)
		require.NotEmpty(t, promoted)
		patch := `{"spec":{"template":{"spec":{"containers":[{"name":"doc-search","image":"ghcr.io/doc-search/doc-search:hand-edit"}]}}}}`
		_, err := e.stack.Kube.AppsV1().Deployments(ns).Patch(e.ctx, release, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		require.NoError(t, err)
		took := e.waitImage(ns, release, promoted, time.Minute)
		e.waitRolledOut(ns, release, promoted, 2*time.Minute)
		t.Logf("hand edit reverted after %s", took.Round(time.Millisecond))
	})

	t.Run("reverting the promotion commit rolls back under load", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		require.NotEmpty(t, promotion)
		l := e.startLoad(e.nodeURL(ns, release), 4)
		repo.run("revert", "--no-edit", promotion)
		rev := repo.head()
		repo.push()
		e.refresh(release)
		took := e.waitRolledOut(ns, release, before, 2*time.Minute)
		sent, failed, errs := l.finish()
		assert.Zero(t, failed, "failed requests during the rollback: %v", errs)
		e.waitApp(release, "Synced to the revert", time.Minute, synced(rev))
		proved(t, "6b", "revert rolled back in %s: %d requests sent, %d failed", took.Round(time.Second), sent, failed)
	})

	t.Run("the startup probe holds a slow start and restarts one over budget", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		// Readiness gives up after 2 x 5 s; a 20 s start is inside a 60 s
		// startup budget, so the Pod must become Ready without a restart.
		e.setStartup(repo, "20s", 60)
		d := e.waitStartupDelay(ns, "20s")
		e.waitFor("the slow Pod Ready", 2*time.Minute, func() (bool, string) {
			d = e.deployment(ns, release)
			return rolloutState(d) == "", rolloutState(d)
		})
		pods := e.newestPods(ns, d)
		require.Len(t, pods, 1)
		ready := podReadyAfter(&pods[0])
		assert.GreaterOrEqual(t, ready, 20*time.Second, "Ready before the start-up delay was over")
		assert.Zero(t, restarts(pods), "a slow start inside the startup budget was restarted")

		// A 40 s start against a 10 s budget: the kubelet restarts it, and the
		// old Pod keeps serving (maxUnavailable 0).
		e.setStartup(repo, "40s", 10)
		e.waitStartupDelay(ns, "40s")
		var slow []corev1.Pod
		e.waitFor("a restart of the Pod over budget", 2*time.Minute, func() (bool, string) {
			slow = e.newestPods(ns, e.deployment(ns, release))
			return restarts(slow) > 0, fmt.Sprintf("%d Pods, %d restarts", len(slow), restarts(slow))
		})
		events := strings.Join(e.podEvents(&slow[0]), "\n")
		assert.Contains(t, events, "Startup probe failed")
		proved(t, "3", "20s start with a 60s budget: Ready after %s, 0 restarts; 40s start with a 10s budget: restarted by the kubelet (%d restarts, \"Startup probe failed\")",
			ready.Round(time.Second), restarts(slow))
		e.setStartup(repo, "", 600)
		e.waitRolledOut(ns, release, before, 2*time.Minute)
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
		// takes the Deployment's Pods Ready.
		require.Eventually(t, func() bool {
			return len(e.dashboardConfigMaps(ns)) == 0
		}, 2*time.Minute, 500*time.Millisecond, "dashboard ConfigMap %v still exists", dashboards)
		e.waitApp(release, "Synced to the pruning commit", time.Minute, synced(rev))
	})
}

// setStartup commits clusters/minikube/doc-search/values.yaml with the
// startup delay and budget, pushes and refreshes.
func (e *env) setStartup(repo *gitRepo, delay string, maxSeconds int) {
	e.t.Helper()
	path := filepath.Join(repo.dir, "clusters", "minikube", "doc-search", "values.yaml")
	data, err := os.ReadFile(path)
	require.NoError(e.t, err)
	var values map[string]any
	require.NoError(e.t, yaml.Unmarshal(data, &values))
	values["startup"] = map[string]any{"delay": delay, "maxSeconds": maxSeconds}
	out, err := yaml.Marshal(values)
	require.NoError(e.t, err)
	require.NoError(e.t, os.WriteFile(path, out, 0o644))
	repo.commitAll(fmt.Sprintf("Start-up delay %q, budget %ds", delay, maxSeconds))
	repo.push()
	e.refresh(release)
}

// waitStartupDelay waits until Argo CD has applied the start-up delay to
// the Deployment's template.
func (e *env) waitStartupDelay(ns, delay string) *appsv1.Deployment {
	e.t.Helper()
	var d *appsv1.Deployment
	e.waitFor("DOCSEARCH_STARTUP_DELAY="+delay+" in the Deployment", time.Minute, func() (bool, string) {
		d = e.deployment(ns, release)
		for _, env := range d.Spec.Template.Spec.Containers[0].Env {
			if env.Name == "DOCSEARCH_STARTUP_DELAY" {
				return env.Value == delay, env.Value
			}
		}
		return false, "no DOCSEARCH_STARTUP_DELAY"
	})
	return d
}

// podReadyAfter is how long after its creation the Pod became Ready.
func podReadyAfter(pod *corev1.Pod) time.Duration {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Sub(pod.CreationTimestamp.Time)
		}
	}
	return 0
}

// TestGitOps_ProdWaitsForSyncFromUI: on a real node, prod's Applications
// sync only when a sync operation is started as the UI's Sync button does;
// then its Pods are Ready with the HPA and PDB in place, and an eviction
// that would break the PDB is refused. A promotion commit leaves them
// OutOfSync until the next sync from the UI.
func TestGitOps_ProdWaitsForSyncFromUI(t *testing.T) {
	e := startEnv(t, true)
	e.installPrometheusCRDs()
	repo, url := e.cloneThisRepo()
	e.followLocalServer(repo, "prod", url)
	ns := docSearchNamespace(t, repo, "prod")
	promote := e.buildTool("github.com/doc-search/gitops/tools/promote")
	// prod pins a published image by digest, which cannot be pulled here:
	// pin the image built from this checkout instead, by its own digest.
	e.pinProdImage(repo, promote, docSearchBuilds[0])
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
		begin := time.Now()
		e.syncLikeUI(release)
		e.waitApp(release, "sync succeeded", 2*time.Minute, allOf(syncSucceeded(rev), synced(rev)))
		e.assertAllAppsSynced()
		e.assertDocSearchObjects(ns, true)
		image := expectedImage(t, repo, "prod")
		e.waitRolledOut(ns, release, image, 3*time.Minute)
		e.waitApp(release, "Healthy", time.Minute, healthy)
		took := time.Since(begin)
		pods := e.pods(ns, e.deployment(ns, release))
		e.assertRestricted(&pods[0])

		refused := e.evictUntilRefused(ns, pods)
		proved(t, "8", "prod after the UI sync: %d Pods Ready after %s with HPA and PDB; eviction of %s refused (%s)",
			len(pods), took.Round(time.Second), refused.pod, refused.reason)
		e.waitRolledOut(ns, release, image, 2*time.Minute)
	})

	t.Run("a promotion commit waits for a sync from the UI", func(t *testing.T) {
		e, repo := e.with(t), repo.with(t)
		before := expectedImage(t, repo, "prod")
		e.pinProdImage(repo, promote, docSearchBuilds[1])
		promotion := repo.head()
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
		e.waitRolledOut(ns, release, promoted, 3*time.Minute)
	})
}

// pinProdImage commits, with tools/promote, prod's image as the build tag
// at the digest containerd has for it, and pushes.
func (e *env) pinProdImage(repo *gitRepo, promote, tag string) {
	e.t.Helper()
	digest, err := e.stack.ImageDigest(e.ctx, docSearchRepository+":"+tag)
	require.NoError(e.t, err)
	runTool(e.t, repo.dir, promote, "set", "--cluster", "prod", "--tag", tag, "--digest", digest)
	repo.push()
}

type refusal struct{ pod, reason string }

// evictUntilRefused evicts the Deployment's Pods one after the other, as a
// node drain does, until the API server refuses one; the PDB must refuse
// before fewer than minAvailable Pods are left.
func (e *env) evictUntilRefused(ns string, pods []corev1.Pod) refusal {
	e.t.Helper()
	pdb, err := e.stack.Kube.PolicyV1().PodDisruptionBudgets(ns).Get(e.ctx, release, metav1.GetOptions{})
	require.NoError(e.t, err)
	minAvailable := pdb.Spec.MinAvailable.IntValue()
	// The disruption controller counts the Pods first; before that it
	// allows no disruption at all.
	e.waitFor("the PDB counting every Pod healthy", time.Minute, func() (bool, string) {
		pdb, err = e.stack.Kube.PolicyV1().PodDisruptionBudgets(ns).Get(e.ctx, release, metav1.GetOptions{})
		require.NoError(e.t, err)
		st := pdb.Status
		return st.CurrentHealthy == int32(len(pods)) && st.DisruptionsAllowed == int32(len(pods)-minAvailable),
			fmt.Sprintf("healthy %d, disruptions allowed %d", st.CurrentHealthy, st.DisruptionsAllowed)
	})
	for i, pod := range pods {
		err := e.stack.Kube.PolicyV1().Evictions(ns).Evict(e.ctx, &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: ns},
		})
		if err != nil {
			require.True(e.t, apierrors.IsTooManyRequests(err), "eviction of %s: %v", pod.Name, err)
			assert.Equal(e.t, len(pods)-minAvailable, i, "evictions allowed before the refusal")
			return refusal{pod: pod.Name, reason: err.Error()}
		}
	}
	e.t.Fatalf("every Pod of %s/%s was evicted: the PDB (minAvailable %d) refused none", ns, release, minAvailable)
	return refusal{}
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
// the Prometheus operator's and Sealed Secrets' CRDs, so a schema drift between what chartcheck
// renders and what a cluster accepts fails here.
func TestChartcheck_RenderIsAcceptedByAPIServer(t *testing.T) {
	e := startEnv(t, false)
	e.installPrometheusCRDs()
	e.installSealedSecretsCRD()
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
