//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	argoclient "github.com/argoproj/argo-cd/v2/pkg/client/clientset/versioned"
	appclient "github.com/argoproj/argo-cd/v2/pkg/client/clientset/versioned/typed/application/v1alpha1"
	"github.com/argoproj/argo-cd/v2/util/argo"
	synccommon "github.com/argoproj/gitops-engine/pkg/sync/common"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/doc-search/gitops/test/e2e/stack"
)

// inCluster is how an Application names the cluster Argo CD runs in.
const inCluster = "https://kubernetes.default.svc"

// env is one running stack shared by the scenarios of a test.
type env struct {
	t      *testing.T
	ctx    context.Context
	stack  *stack.Stack
	apps   appclient.ApplicationInterface
	gitURL string // git://... prefix of the served repositories
	served string // folder git daemon serves
	work   string // folder of the working clones
	root   string // this repository's root
}

// withNode asks startEnv for a real node: Pods run (kubelet, containerd,
// kube-proxy, CoreDNS), with the images of buildImages imported.
type withNode bool

// startEnv builds no toolchain: it expects test/e2e/toolchain/build.sh to
// have filled .cache/e2e/bin (`make e2e` does). Everything started is
// stopped when the test ends; on failure the tail of every log, and
// `kubectl describe` of every Pod that is not Ready, is printed.
func startEnv(t *testing.T, node withNode) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the end-to-end test creates a network namespace (ip netns add) and must run as root")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := filepath.Join(root, ".cache", "e2e", "bin")
	programs := []string{"kube-apiserver", "kube-controller-manager", "argocd", "helm", "kustomize"}
	var images []string
	if node {
		programs = append(programs, "kube-scheduler", "kubelet", "kube-proxy", "coredns")
		images = buildImages(t, root)
	}
	for _, name := range programs {
		_, err := os.Stat(filepath.Join(bin, name))
		require.NoError(t, err, "%s missing from %s: run test/e2e/toolchain/build.sh (make e2e does)", name, bin)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/argoproj/argo-cd/v2").Output()
	require.NoError(t, err, "locating the argo-cd module")
	manifests := filepath.Join(strings.TrimSpace(string(out)), "manifests")

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	work := t.TempDir()
	logs := filepath.Join(root, ".cache", "e2e", "logs", "stack")
	require.NoError(t, os.RemoveAll(logs))

	begin := time.Now()
	s, err := stack.Start(ctx, stack.Config{
		BinDir:          bin,
		WorkDir:         filepath.Join(work, "stack"),
		LogDir:          logs,
		ArgoCDManifests: manifests,
		Node:            bool(node),
		Images:          images,
		Logf:            t.Logf,
	})
	if s != nil {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("component logs (last lines):\n%s", s.LogTails(40))
				if node {
					t.Logf("Pods not Ready:\n%s", s.DescribeUnreadyPods(context.Background()))
				}
			}
			s.Stop()
		})
	}
	require.NoError(t, err, "starting the stack")
	t.Logf("stack up in %s", time.Since(begin).Round(time.Millisecond))

	served := filepath.Join(work, "served")
	clones := filepath.Join(work, "clones")
	require.NoError(t, os.MkdirAll(served, 0o755))
	require.NoError(t, os.MkdirAll(clones, 0o755))
	gitURL, err := s.ServeGit(ctx, served)
	require.NoError(t, err, "starting git daemon")

	ac, err := argoclient.NewForConfig(s.REST)
	require.NoError(t, err)
	return &env{
		t: t, ctx: ctx, stack: s, root: root, served: served, work: clones, gitURL: gitURL,
		apps: ac.ArgoprojV1alpha1().Applications(stack.ArgoCDNamespace),
	}
}

// waitApp polls the Application until cond holds; on timeout it fails with
// the Application's last status.
func (e *env) waitApp(name, what string, timeout time.Duration, cond func(*v1alpha1.Application) bool) *v1alpha1.Application {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var app *v1alpha1.Application
	var err error
	for time.Now().Before(deadline) {
		require.NoError(e.t, e.stack.Healthy())
		app, err = e.apps.Get(e.ctx, name, metav1.GetOptions{})
		if err == nil && cond(app) {
			return app
		}
		time.Sleep(250 * time.Millisecond)
	}
	e.t.Fatalf("Application %s: %s not reached within %s; last error %v; status:\n%s", name, what, timeout, err, describe(app))
	return nil
}

// synced holds when Argo CD found the cluster matching revision (any
// revision when empty). It says nothing of a sync operation still waiting
// for health (an app-of-apps sync whose waves wait for child health).
func synced(revision string) func(*v1alpha1.Application) bool {
	return func(a *v1alpha1.Application) bool {
		return a.Status.Sync.Status == v1alpha1.SyncStatusCodeSynced &&
			(revision == "" || a.Status.Sync.Revision == revision)
	}
}

// syncSucceeded holds when the last sync operation applied revision and
// succeeded.
func syncSucceeded(revision string) func(*v1alpha1.Application) bool {
	return func(a *v1alpha1.Application) bool {
		op := a.Status.OperationState
		return a.Operation == nil && op != nil && op.Phase == synccommon.OperationSucceeded &&
			op.SyncResult != nil && op.SyncResult.Revision == revision
	}
}

// allOf holds when every condition holds.
func allOf(conds ...func(*v1alpha1.Application) bool) func(*v1alpha1.Application) bool {
	return func(a *v1alpha1.Application) bool {
		for _, c := range conds {
			if !c(a) {
				return false
			}
		}
		return true
	}
}

// outOfSyncAt holds when Argo CD has compared revision with the cluster
// and found a difference.
func outOfSyncAt(revision string) func(*v1alpha1.Application) bool {
	return func(a *v1alpha1.Application) bool {
		return a.Status.Sync.Status == v1alpha1.SyncStatusCodeOutOfSync && a.Status.Sync.Revision == revision
	}
}

// refresh asks Argo CD to compare the Application with git now, as the
// UI's Refresh button does, instead of waiting for the polling interval.
func (e *env) refresh(name string) {
	e.t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.AnnotationKeyRefresh, v1alpha1.RefreshTypeNormal)
	_, err := e.apps.Patch(e.ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	require.NoError(e.t, err, "refreshing Application %s", name)
}

// syncLikeUI starts a sync the way argocd-server does when the UI's Sync
// button is pressed with its defaults: an operation on the Application
// carrying the target revision, the hook strategy and the app's sync
// options, set through Argo CD's own SetAppOperation.
func (e *env) syncLikeUI(name string) {
	e.t.Helper()
	app, err := e.apps.Get(e.ctx, name, metav1.GetOptions{})
	require.NoError(e.t, err)
	var syncOptions v1alpha1.SyncOptions
	if app.Spec.SyncPolicy != nil {
		syncOptions = app.Spec.SyncPolicy.SyncOptions
	}
	op := &v1alpha1.Operation{
		Sync: &v1alpha1.SyncOperation{
			Revision:     app.Spec.GetSource().TargetRevision,
			SyncOptions:  syncOptions,
			SyncStrategy: &v1alpha1.SyncStrategy{Hook: &v1alpha1.SyncStrategyHook{}},
		},
		InitiatedBy: v1alpha1.OperationInitiator{Username: "admin"},
	}
	_, err = argo.SetAppOperation(e.apps, name, op)
	require.NoError(e.t, err, "starting a sync of %s", name)
}

// deployment returns the Deployment, failing the test when it is absent.
func (e *env) deployment(namespace, name string) *appsv1.Deployment {
	e.t.Helper()
	d, err := e.stack.Kube.AppsV1().Deployments(namespace).Get(e.ctx, name, metav1.GetOptions{})
	require.NoError(e.t, err, "reading Deployment %s/%s", namespace, name)
	return d
}

// waitImage waits until the Deployment's first container runs image.
func (e *env) waitImage(namespace, name, image string, timeout time.Duration) time.Duration {
	e.t.Helper()
	begin := time.Now()
	var last string
	for time.Since(begin) < timeout {
		d, err := e.stack.Kube.AppsV1().Deployments(namespace).Get(e.ctx, name, metav1.GetOptions{})
		if err == nil {
			last = d.Spec.Template.Spec.Containers[0].Image
			if last == image {
				return time.Since(begin)
			}
		} else if !apierrors.IsNotFound(err) {
			require.NoError(e.t, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Fatalf("Deployment %s/%s: image %q not reached within %s (last %q)", namespace, name, image, timeout, last)
	return 0
}

func describe(app *v1alpha1.Application) string {
	if app == nil {
		return "(none)"
	}
	data, err := json.MarshalIndent(map[string]any{
		"sync": app.Status.Sync, "health": app.Status.Health, "conditions": app.Status.Conditions,
		"operation": app.Operation, "operationState": app.Status.OperationState,
	}, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// with returns the env reporting to t, for use inside a subtest.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
