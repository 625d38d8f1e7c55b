package layout

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/doc-search/gitops/tools/chartcheck/clusterrender"
)

// repoURL is the repository every cluster follows; the manifests name it.
const repoURL = "https://github.com/doc-search/gitops.git"

// clusterNames are the folders under clusters/, each a cluster Argo CD
// runs, as chartcheck finds them. None is a failure: a renamed folder must
// not pass these tests vacuously.
func clusterNames(t *testing.T) []string {
	t.Helper()
	names, err := clusterrender.ClusterNames(repoRoot(t))
	require.NoError(t, err)
	require.NotEmpty(t, names, "no cluster folders under clusters/")
	return names
}

// repoRoot is the repository's top folder, from this package's folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// build runs Kustomize on dir, as Argo CD and chartcheck do.
func build(t *testing.T, fs filesys.FileSystem, dir string) resmap.ResMap {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, dir)
	require.NoError(t, err, "kustomize build %s", dir)
	return m
}

// strictCodec decodes Argo CD objects rejecting unknown and duplicate fields,
// like the API server does with fieldValidation=Strict.
func strictCodec(t *testing.T) *kjson.Serializer {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// argoObjects are the Argo CD objects of one Kustomize build, decoded.
type argoObjects struct {
	apps     map[string]*v1alpha1.Application
	projects map[string]*v1alpha1.AppProject
	// others are the remaining objects' kinds and names: "Namespace/monitoring".
	others []string
}

func decodeAll(codec *kjson.Serializer, m resmap.ResMap) (*argoObjects, error) {
	out := &argoObjects{apps: map[string]*v1alpha1.Application{}, projects: map[string]*v1alpha1.AppProject{}}
	for _, r := range m.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		switch r.GetKind() {
		case "Application":
			app := &v1alpha1.Application{}
			if _, _, err := codec.Decode(data, nil, app); err != nil {
				return nil, fmt.Errorf("Application %s: %w", r.GetName(), err)
			}
			out.apps[app.Name] = app
		case "AppProject":
			proj := &v1alpha1.AppProject{}
			if _, _, err := codec.Decode(data, nil, proj); err != nil {
				return nil, fmt.Errorf("AppProject %s: %w", r.GetName(), err)
			}
			out.projects[proj.Name] = proj
		default:
			out.others = append(out.others, r.GetKind()+"/"+r.GetName())
		}
	}
	return out, nil
}

// clusterObjects builds clusters/<name> and decodes its Argo CD objects.
func clusterObjects(t *testing.T, name string) *argoObjects {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "clusters", name)
	objs, err := decodeAll(strictCodec(t), build(t, filesys.MakeFsOnDisk(), dir))
	require.NoError(t, err, "decoding %s", dir)
	return objs
}

// rootObjects builds argocd/root/<name>, what bootstrap applies by hand.
func rootObjects(t *testing.T, name string) *argoObjects {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "argocd", "root", name)
	objs, err := decodeAll(strictCodec(t), build(t, filesys.MakeFsOnDisk(), dir))
	require.NoError(t, err, "decoding %s", dir)
	return objs
}

// noProjectClusters answers for projects without project-scoped clusters.
func noProjectClusters(string) ([]*v1alpha1.Cluster, error) { return nil, nil }

// syncWave reads an object's argocd.argoproj.io/sync-wave (0 when unset).
func syncWave(t *testing.T, annotations map[string]string) int {
	t.Helper()
	w, ok := annotations["argocd.argoproj.io/sync-wave"]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(w)
	require.NoError(t, err, "sync-wave %q", w)
	return n
}
