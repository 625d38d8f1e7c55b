package render

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// fixtureRepo is a fixture repository under tools/chartcheck/testdata/repos.
func fixtureRepo(name string) string {
	return filepath.Join("..", "..", "testdata", "repos", name)
}

func renderFixture(t *testing.T, repo, cluster string, mod func(*Options)) *Result {
	t.Helper()
	opts := Options{RepoRoot: fixtureRepo(repo), Cluster: cluster, Offline: true, CacheDir: t.TempDir()}
	if mod != nil {
		mod(&opts)
	}
	res, err := Cluster(context.Background(), opts)
	require.NoError(t, err)
	return res
}

func find(t *testing.T, objs []manifest.Object, kind, name string) manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Object.GetKind() == kind && o.Object.GetName() == name {
			return o
		}
	}
	require.Failf(t, "object not rendered", "%s/%s", kind, name)
	return manifest.Object{}
}

func has(objs []manifest.Object, kind, name string) bool {
	for _, o := range objs {
		if o.Object.GetKind() == kind && o.Object.GetName() == name {
			return true
		}
	}
	return false
}

func str(t *testing.T, o manifest.Object, fields ...string) string {
	t.Helper()
	v, found, err := unstructured.NestedString(o.Object.Object, fields...)
	require.NoError(t, err)
	require.True(t, found, "%s has no %v", o.Ref(), fields)
	return v
}

func TestCluster_HelmValuePrecedenceFollowsArgoCD(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	cm := find(t, res.Objects, "ConfigMap", "web-release-settings")
	tests := map[string]string{
		"message":     "from-cluster-file", // later value file wins over earlier
		"color":       "green",             // valuesObject wins over value files
		"size":        "small",             // parameters win over valuesObject
		"tag":         "1.0",               // forceString parameter stays a string
		"tagType":     "string",
		"kubeVersion": "v1.31.4", // from clusters/demo/chartcheck.yaml
		"exampleAPI":  "true",    // extra API version from chartcheck.yaml
	}
	for key, want := range tests {
		assert.Equal(t, want, str(t, cm, "data", key), key)
	}
	assert.Equal(t, "web", cm.Object.GetNamespace(), "release namespace is the destination namespace")
	dep := find(t, res.Objects, "Deployment", "web-release")
	replicas, _, _ := unstructured.NestedInt64(dep.Object.Object, "spec", "replicas")
	assert.Equal(t, int64(2), replicas)
	assert.Equal(t, manifest.Source{Cluster: "demo", Application: "web", File: "charts/web/templates/deployment.yaml", Line: 2, Namespace: "web"}, dep.Source)
}

func TestCluster_HelmHooksTestsAndCRDsAsHelmTemplate(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	kinds := func(app string) map[string]bool {
		out := map[string]bool{}
		for _, o := range res.Objects {
			if o.Source.Application == app {
				out[o.Object.GetKind()+"/"+o.Object.GetName()] = true
			}
		}
		return out
	}
	web, lean := kinds("web"), kinds("web-lean")
	for _, want := range []string{"CustomResourceDefinition/widgets.example.com", "Pod/web-release-ping", "Job/web-release-migrate", "Service/web-release", "ServiceAccount/web-release"} {
		assert.True(t, web[want], "web renders %s", want)
	}
	assert.True(t, lean["Job/web-lean-migrate"], "hooks other than tests stay")
	assert.False(t, lean["CustomResourceDefinition/widgets.example.com"], "skipCrds")
	assert.False(t, lean["Pod/web-lean-ping"], "skipTests")
	crd := find(t, res.Objects, "CustomResourceDefinition", "widgets.example.com")
	assert.Equal(t, "charts/web/crds/widget.yaml", crd.Source.File)
	cm := find(t, res.Objects, "ConfigMap", "web-lean-settings")
	assert.Equal(t, "a,b", str(t, cm, "data", "message"), "commas in parameters are escaped as Argo CD does")
}

func TestCluster_CapabilitiesIncludeCRDsRenderedInTheTree(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	sm := find(t, res.Objects, "ServiceMonitor", "web-release")
	assert.Equal(t, "charts/web/templates/servicemonitor.yaml", sm.Source.File)
	assert.Contains(t, res.APIVersions, "monitoring.coreos.com/v1")
	assert.Contains(t, res.APIVersions, "monitoring.coreos.com/v1/ServiceMonitor")
}

func TestCluster_KustomizeOptionsOfTheApplication(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	dep := find(t, res.Objects, "Deployment", "pre-proxy-suf")
	containers, _, _ := unstructured.NestedSlice(dep.Object.Object, "spec", "template", "spec", "containers")
	require.Len(t, containers, 1)
	assert.Equal(t, "registry.example.com/nginx:1.27.1", containers[0].(map[string]any)["image"], "spec.source.kustomize.images overrides the base's tag")
	assert.Equal(t, "search", dep.Object.GetLabels()["team"])
	assert.Equal(t, "search-team", dep.Object.GetAnnotations()["owner"])
	assert.NotContains(t, dep.Object.GetAnnotations(), "config.kubernetes.io/origin", "origin tracking is internal")
	assert.Equal(t, "apps/kust/base/deployment.yaml", dep.Source.File)
	assert.Equal(t, 1, dep.Source.Line)
	svc := find(t, res.Objects, "Service", "pre-proxy-suf")
	assert.Equal(t, "apps/kust/overlay/service.yaml", svc.Source.File)
}

func TestCluster_DirectoryRecursesAndExcludes(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	for _, name := range []string{"top", "second", "nested"} {
		assert.True(t, has(res.Objects, "ConfigMap", name), name)
	}
	assert.False(t, has(res.Objects, "ConfigMap", "must-not-render"), "exclude glob")
	second := find(t, res.Objects, "ConfigMap", "second")
	assert.Equal(t, "apps/plain/top.yaml:8", second.Source.String())
}

func TestCluster_FollowsApplicationsTwoLevelsDeep(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	parents := map[string]string{}
	for _, a := range res.Applications {
		parents[a.Name] = a.Parent
	}
	assert.Equal(t, map[string]string{
		"web": "", "web-lean": "", "kust": "", "plain": "", "children": "", "elsewhere": "",
		"child": "children", "crds": "child",
	}, parents)
	crd := find(t, res.Objects, "CustomResourceDefinition", "servicemonitors.monitoring.coreos.com")
	assert.Equal(t, "crds", crd.Source.Application)
	assert.Equal(t, "monitoring", crd.Source.Namespace)
}

func TestCluster_ReportsRemoteGitAsSkipped(t *testing.T) {
	res := renderFixture(t, "features", "demo", nil)
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, "elsewhere", res.Skipped[0].Application)
	assert.Contains(t, res.Skipped[0].Reason, "https://github.com/someone/else.git")
}

func TestCluster_AppNarrowsTheOutput(t *testing.T) {
	res := renderFixture(t, "features", "demo", func(o *Options) { o.App = "kust" })
	require.NotEmpty(t, res.Objects)
	for _, o := range res.Objects {
		assert.Equal(t, "kust", o.Source.Application, o.Ref())
	}
	_, err := Cluster(context.Background(), Options{RepoRoot: fixtureRepo("features"), Cluster: "demo", App: "nope", Offline: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "application nope")
}

func TestNormalizeRepoURL_SpellingsOfOneRepositoryAreEqual(t *testing.T) {
	want := "github.com/doc-search/gitops"
	for _, u := range []string{
		"https://github.com/doc-search/gitops.git",
		"https://github.com/doc-search/gitops",
		"https://github.com/Doc-Search/gitops/",
		"git@github.com:doc-search/gitops.git",
		"ssh://git@github.com/doc-search/gitops.git",
	} {
		assert.Equal(t, want, NormalizeRepoURL(u), u)
	}
	assert.NotEqual(t, want, NormalizeRepoURL("https://github.com/doc-search/other"))
}
