package layout

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	argopath "github.com/argoproj/argo-cd/v2/util/io/path"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func TestClusters_HoldTheSameApplicationsAndProjects(t *testing.T) {
	for _, name := range clusterNames(t) {
		t.Run(name, func(t *testing.T) {
			objs := clusterObjects(t, name)
			assert.ElementsMatch(t, []string{"doc-search", "kube-prometheus-stack"}, keys(objs.apps))
			assert.ElementsMatch(t, []string{"doc-search", "platform"}, keys(objs.projects))
			for _, o := range objs.others {
				assert.True(t, strings.HasPrefix(o, "Namespace/"), "clusters/%s holds %s: only Argo CD objects and namespaces belong there", name, o)
			}
		})
	}
}

func TestClusters_StrictDecodingRejectsUnknownFields(t *testing.T) {
	// The decoder the other tests rely on must fail on a misspelt field.
	fs := filesys.MakeFsInMemory()
	require.NoError(t, fs.WriteFile("/k/kustomization.yaml", []byte("resources: [app.yaml]\n")))
	require.NoError(t, fs.WriteFile("/k/app.yaml", []byte(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: typo, namespace: argocd}
spec:
  project: doc-search
  source: {repoURL: x, path: y, targetRevison: main}
  destination: {server: https://kubernetes.default.svc, namespace: default}
`)))
	_, err := decodeAll(strictCodec(t), build(t, fs, "/k"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "targetRevison")
	assert.Contains(t, err.Error(), "Application typo")
}

func TestApplications_SourcesExistAndArePinned(t *testing.T) {
	root := repoRoot(t)
	for _, name := range clusterNames(t) {
		for _, app := range clusterObjects(t, name).apps {
			t.Run(name+"/"+app.Name, func(t *testing.T) {
				require.Empty(t, app.Spec.Sources, "one source per Application")
				require.NotNil(t, app.Spec.Source)
				src := app.Spec.Source
				if src.RepoURL != repoURL {
					// A chart from a Helm repository, at an exact version.
					require.NotEmpty(t, src.Chart, "a source outside this repository is a Helm chart")
					_, err := semver.StrictNewVersion(src.TargetRevision)
					assert.NoError(t, err, "chart %s must be pinned to one version, not %q", src.Chart, src.TargetRevision)
					return
				}
				assert.Equal(t, "main", src.TargetRevision)
				appPath := filepath.Join(root, src.Path)
				assert.DirExists(t, appPath)
				if src.Helm == nil {
					return
				}
				assert.NotEmpty(t, src.Helm.ValueFiles, "value files come from the cluster folder")
				for _, f := range src.Helm.ValueFiles {
					assert.True(t, strings.HasPrefix(f, "/clusters/"+name+"/"), "%s: value file of another cluster", f)
					resolved, remote, err := argopath.ResolveValueFilePathOrUrl(appPath, root, f, nil)
					if assert.NoError(t, err, f) && assert.False(t, remote) {
						assert.FileExists(t, string(resolved))
					}
				}
			})
		}
	}
}

// Whether each Application's project permits its source and destination
// is chartcheck's argocd-project-* rules, which make check runs.

func TestApplications_DestinationNamespacesExist(t *testing.T) {
	// Namespaces come from the cluster folder (through the root), never from
	// CreateNamespace, so their Pod Security labels are reviewed in git.
	for _, name := range clusterNames(t) {
		objs := clusterObjects(t, name)
		for _, app := range objs.apps {
			ns := app.Spec.Destination.Namespace
			if ns == "default" {
				continue
			}
			assert.Contains(t, objs.others, "Namespace/"+ns, "%s/%s deploys to %s", name, app.Name, ns)
			assert.False(t, app.Spec.SyncPolicy.SyncOptions.HasOption("CreateNamespace=true"), "%s/%s", name, app.Name)
		}
	}
}

func TestApplications_SyncPolicyPerCluster(t *testing.T) {
	tests := []struct {
		cluster   string
		automated bool
	}{
		{cluster: "minikube", automated: true},
		{cluster: "prod", automated: false},
	}
	for _, tt := range tests {
		for _, app := range clusterObjects(t, tt.cluster).apps {
			t.Run(tt.cluster+"/"+app.Name, func(t *testing.T) {
				require.NotNil(t, app.Spec.SyncPolicy)
				auto := app.Spec.SyncPolicy.Automated
				if !tt.automated {
					assert.Nil(t, auto, "prod is synced by hand from the Argo CD UI")
					return
				}
				require.NotNil(t, auto)
				assert.True(t, auto.Prune)
				assert.True(t, auto.SelfHeal)
			})
		}
	}
}

func TestProjects_ProdHasASyncWindowMinikubeNone(t *testing.T) {
	for _, name := range clusterNames(t) {
		for _, proj := range clusterObjects(t, name).projects {
			t.Run(name+"/"+proj.Name, func(t *testing.T) {
				if name != "prod" {
					assert.Empty(t, proj.Spec.SyncWindows)
					return
				}
				require.NotEmpty(t, proj.Spec.SyncWindows)
				for _, w := range proj.Spec.SyncWindows {
					assert.NoError(t, w.Validate())
					assert.Equal(t, "allow", w.Kind)
				}
				_, err := proj.Spec.SyncWindows.Active()
				assert.NoError(t, err, "the schedule parses")
			})
		}
	}
}

func TestProjects_DocSearchHasNoClusterScopedKinds(t *testing.T) {
	for _, name := range clusterNames(t) {
		proj := clusterObjects(t, name).projects["doc-search"]
		require.NotNil(t, proj)
		assert.Empty(t, proj.Spec.ClusterResourceWhitelist, name)
		assert.False(t, proj.IsGroupKindPermitted(schema.GroupKind{Kind: "Namespace"}, false), name)
		assert.False(t, proj.IsGroupKindPermitted(schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "Role"}, true),
			"%s: the chart needs no RBAC", name)
		assert.Equal(t, []string{repoURL}, proj.Spec.SourceRepos, name)
	}
}

func TestSyncWaves_PrometheusStackBeforeDocSearch(t *testing.T) {
	for _, name := range clusterNames(t) {
		objs := clusterObjects(t, name)
		kps, docSearch := objs.apps["kube-prometheus-stack"], objs.apps["doc-search"]
		require.NotNil(t, kps)
		require.NotNil(t, docSearch)
		assert.Less(t, syncWave(t, kps.Annotations), syncWave(t, docSearch.Annotations), name)
		for _, p := range objs.projects {
			assert.Less(t, syncWave(t, p.Annotations), syncWave(t, kps.Annotations), "%s: project %s comes first", name, p.Name)
		}
		assert.True(t, kps.Spec.SyncPolicy.SyncOptions.HasOption("ServerSideApply=true"),
			"%s: the Prometheus CRDs are too large for client-side apply", name)
		assert.True(t, docSearch.Spec.SyncPolicy.SyncOptions.HasOption("SkipDryRunOnMissingResource=true"), name)
	}
}

func TestRootApplications_PointAtTheirClusterFolder(t *testing.T) {
	root := repoRoot(t)
	for _, name := range clusterNames(t) {
		t.Run(name, func(t *testing.T) {
			objs := rootObjects(t, name)
			require.Len(t, objs.apps, 1)
			app := objs.apps["root"]
			require.NotNil(t, app, "the root Application is named root")
			require.NotNil(t, app.Spec.Source)
			assert.Equal(t, repoURL, app.Spec.Source.RepoURL)
			assert.Equal(t, "main", app.Spec.Source.TargetRevision)
			assert.Equal(t, "clusters/"+name, app.Spec.Source.Path)
			assert.FileExists(t, filepath.Join(root, app.Spec.Source.Path, "kustomization.yaml"))
			assert.Equal(t, name == "minikube", app.Spec.SyncPolicy != nil && app.Spec.SyncPolicy.Automated != nil,
				"automated on minikube only")

			proj := objs.projects[app.Spec.Project]
			require.NotNil(t, proj, "the root's project is applied with it")
			assert.True(t, proj.IsSourcePermitted(*app.Spec.Source))
			ok, err := proj.IsDestinationPermitted(app.Spec.Destination, noProjectClusters)
			require.NoError(t, err)
			assert.True(t, ok)

			// The root may create everything its cluster folder holds.
			m := build(t, filesys.MakeFsOnDisk(), filepath.Join(root, app.Spec.Source.Path))
			for _, r := range m.Resources() {
				gk := schema.GroupKind{Group: r.GetGvk().Group, Kind: r.GetKind()}
				ns := r.GetNamespace()
				ok, err := proj.IsResourcePermitted(gk, ns, app.Spec.Destination, noProjectClusters)
				require.NoError(t, err)
				assert.True(t, ok, "project %s refuses %s/%s in %q", proj.Name, r.GetKind(), r.GetName(), ns)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
