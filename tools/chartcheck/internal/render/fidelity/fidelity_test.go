package fidelity

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"testing"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v2/reposerver/apiclient"
	"github.com/argoproj/argo-cd/v2/reposerver/repository"
	"github.com/argoproj/argo-cd/v2/util/argo"
	"github.com/argoproj/argo-cd/v2/util/git"
	"github.com/pmezard/go-difflib/difflib"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
)

// The tool versions Argo CD v2.14 bundles in its image.
const (
	helmVersion      = "v3.16.3"
	kustomizeVersion = "v5.4.3"
)

// trackingLabel is the label Argo CD's default (label) tracking sets on
// every object it applies; normalized away before comparing.
const trackingLabel = "app.kubernetes.io/instance"

// moduleRoot is the repository root: the folder holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found above the test")
		dir = parent
	}
}

// ensureTool returns the path of name at version in .cache/bin (where
// scripts/install-deps.sh puts it), installing it with `go install` when it
// is missing.
func ensureTool(t *testing.T, root, name, pkg, version string) string {
	t.Helper()
	bin := filepath.Join(root, ".cache", "bin")
	path := filepath.Join(bin, name+"-"+version)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	require.NoError(t, os.MkdirAll(bin, 0o755))
	tmp := t.TempDir()
	cmd := exec.Command("go", "install", pkg+"@"+version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go install %s@%s: %s", pkg, version, out)
	require.NoError(t, os.Rename(filepath.Join(tmp, name), path))
	return path
}

// argoTools puts helm and kustomize of Argo CD's versions first on PATH
// and keeps Helm's own state in a temporary folder.
func argoTools(t *testing.T) {
	root := moduleRoot(t)
	helm := ensureTool(t, root, "helm", "helm.sh/helm/v3/cmd/helm", helmVersion)
	kustomize := ensureTool(t, root, "kustomize", "sigs.k8s.io/kustomize/kustomize/v5", kustomizeVersion)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(helm, filepath.Join(dir, "helm")))
	require.NoError(t, os.Symlink(kustomize, filepath.Join(dir, "kustomize")))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	state := t.TempDir()
	for _, v := range []string{"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		t.Setenv(v, filepath.Join(state, v))
	}
}

// copyTree copies the repository's files so Argo CD, which runs `kustomize
// edit` in place, cannot change the originals.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

// argoRender runs Argo CD's GenerateManifests for one Application, as its
// repo server does for a local checkout.
func argoRender(t *testing.T, repoRoot string, res *render.Result, app *v1alpha1.Application) ([]*unstructured.Unstructured, error) {
	src := app.Spec.GetSource()
	appPath := filepath.Join(repoRoot, src.Path)
	q := &apiclient.ManifestRequest{
		Repo:               &v1alpha1.Repository{Repo: src.RepoURL},
		AppName:            app.Name,
		Namespace:          app.Spec.Destination.Namespace,
		ApplicationSource:  src.DeepCopy(),
		KubeVersion:        res.Config.KubeVersion,
		ApiVersions:        res.APIVersions,
		AppLabelKey:        trackingLabel,
		TrackingMethod:     string(argo.TrackingMethodLabel),
		KustomizeOptions:   &v1alpha1.KustomizeOptions{},
		ProjectSourceRepos: []string{"*"},
		ProjectName:        "default",
	}
	resp, err := repository.GenerateManifests(context.Background(), appPath, repoRoot, "", q, true,
		&git.NoopCredsStore{}, resource.MustParse("0"), nil)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, m := range resp.Manifests {
		u := &unstructured.Unstructured{}
		require.NoError(t, u.UnmarshalJSON([]byte(m)))
		out = append(out, u)
	}
	return out, nil
}

// normalize keys objects by identity and renders each as YAML without the
// tracking label; the order of objects does not matter to Argo CD.
func normalize(objs []*unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, o := range objs {
		o = o.DeepCopy()
		unstructured.RemoveNestedField(o.Object, "metadata", "labels", trackingLabel)
		if labels, ok := o.Object["metadata"].(map[string]any)["labels"].(map[string]any); ok && len(labels) == 0 {
			unstructured.RemoveNestedField(o.Object, "metadata", "labels")
		}
		gvk := o.GroupVersionKind()
		key := fmt.Sprintf("%s/%s %s/%s", gvk.GroupVersion(), gvk.Kind, o.GetNamespace(), o.GetName())
		data, _ := yaml.Marshal(o.Object)
		out[key] += string(data)
	}
	return out
}

// compare fails the test with a readable diff per object that differs.
func compare(t *testing.T, what string, ours []manifest.Object, theirs []*unstructured.Unstructured) {
	t.Helper()
	var mine []*unstructured.Unstructured
	for _, o := range ours {
		mine = append(mine, o.Object)
	}
	a, b := normalize(mine), normalize(theirs)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if a[k] == b[k] {
			continue
		}
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(b[k]), B: difflib.SplitLines(a[k]),
			FromFile: "argo-cd " + k, ToFile: "chartcheck " + k, Context: 3,
		})
		t.Errorf("%s: %s differs:\n%s", what, k, diff)
	}
	t.Logf("%s: %d objects compared", what, len(sorted))
}

// applications decodes the Application objects of a render.
func applications(t *testing.T, res *render.Result) map[string]*v1alpha1.Application {
	out := map[string]*v1alpha1.Application{}
	for _, o := range res.Objects {
		if o.Object.GetKind() != "Application" {
			continue
		}
		data, err := o.Object.MarshalJSON()
		require.NoError(t, err)
		app := &v1alpha1.Application{}
		require.NoError(t, yaml.Unmarshal(data, app))
		out[app.Name] = app
	}
	return out
}

// checkRepo renders every cluster of repo with chartcheck, then every
// rendered Application and each cluster folder with Argo CD, and compares.
func checkRepo(t *testing.T, repo string, repoURLs []string) {
	argoTools(t)
	names, err := render.ClusterNames(repo)
	require.NoError(t, err)
	argoRoot := copyTree(t, repo)
	for _, cluster := range names {
		t.Run(cluster, func(t *testing.T) {
			res, err := render.Cluster(context.Background(), render.Options{RepoRoot: repo, RepoURLs: repoURLs, Cluster: cluster, Offline: true})
			require.NoError(t, err)
			byApp := map[string][]manifest.Object{}
			for _, o := range res.Objects {
				byApp[o.Source.Application] = append(byApp[o.Source.Application], o)
			}
			apps := applications(t, res)
			compared := 0
			for _, a := range res.Applications {
				app := apps[a.Name]
				if a.SourceType == "" || app == nil || app.Spec.HasMultipleSources() {
					continue
				}
				theirs, err := argoRender(t, argoRoot, res, app)
				require.NoError(t, err, "Argo CD failed to render application %s", a.Name)
				ours := byApp[a.Name]
				if a.Root {
					ours = nil
					for _, o := range res.Objects {
						if o.Source.Application == a.Name {
							ours = append(ours, o)
						}
					}
				}
				compare(t, "application "+a.Name, ours, theirs)
				compared++
			}
			if !hasRoot(res) {
				// The cluster folder as a root Application would build it.
				root := &v1alpha1.Application{}
				root.Name = "cluster-folder"
				root.Spec.Source = &v1alpha1.ApplicationSource{RepoURL: "https://example.invalid/repo.git", Path: render.ClustersDir + "/" + cluster}
				theirs, err := argoRender(t, argoRoot, res, root)
				require.NoError(t, err)
				compare(t, "cluster folder", byApp[""], theirs)
			}
			require.NotZero(t, compared, "no Application rendered in cluster %s", cluster)
		})
	}
}

func hasRoot(res *render.Result) bool {
	for _, a := range res.Applications {
		if a.Root {
			return true
		}
	}
	return false
}

func TestFidelity_FixtureRepoMatchesArgoCD(t *testing.T) {
	checkRepo(t, filepath.Join("..", "..", "..", "testdata", "repos", "features"), nil)
}

func TestFidelity_ClustersMatchArgoCD(t *testing.T) {
	root := moduleRoot(t)
	// A missing or renamed clusters/ fails rather than passing vacuously.
	require.DirExists(t, filepath.Join(root, render.ClustersDir))
	checkRepo(t, root, nil)
}
