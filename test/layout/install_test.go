package layout

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/argo-cd/v2/util/lua"
	"github.com/argoproj/gitops-engine/pkg/health"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"
)

const argoCDModule = "github.com/argoproj/argo-cd/v2"

// argoCDModuleDir is where the Go module cache holds the argo-cd module this
// repository builds against, and its version.
func argoCDModuleDir(t *testing.T) (dir, version string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", argoCDModule).Output()
	require.NoError(t, err, "go list -m %s", argoCDModule)
	var m struct{ Dir, Version string }
	require.NoError(t, json.Unmarshal(out, &m))
	if m.Dir == "" {
		out, err := exec.Command("go", "mod", "download", "-json", argoCDModule).Output()
		require.NoError(t, err, "go mod download %s", argoCDModule)
		require.NoError(t, json.Unmarshal(out, &m))
	}
	require.DirExists(t, m.Dir)
	return m.Dir, m.Version
}

// buildInstall builds argocd/install with its remote base replaced by the
// same file from the module cache, so the patches are tried against the very
// manifest a user installs, without the network.
func buildInstall(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	modDir, version := argoCDModuleDir(t)
	installDir := filepath.Join(repoRoot(t), "argocd", "install")

	data, err := os.ReadFile(filepath.Join(installDir, "kustomization.yaml"))
	require.NoError(t, err)
	var k types.Kustomization
	require.NoError(t, sigsyaml.UnmarshalStrict(data, &k))
	remote := "https://raw.githubusercontent.com/argoproj/argo-cd/" + version + "/manifests/install.yaml"
	require.Contains(t, k.Resources, remote, "argocd/install pins the Argo CD of go.mod (%s)", version)

	fs := filesys.MakeFsInMemory()
	for i, r := range k.Resources {
		if r == remote {
			k.Resources[i] = "upstream-install.yaml"
		}
	}
	upstream, err := os.ReadFile(filepath.Join(modDir, "manifests", "install.yaml"))
	require.NoError(t, err)
	require.NoError(t, fs.WriteFile("/install/upstream-install.yaml", upstream))
	entries, err := os.ReadDir(installDir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(installDir, e.Name()))
		require.NoError(t, err)
		require.NoError(t, fs.WriteFile("/install/"+e.Name(), b))
	}
	kdata, err := sigsyaml.Marshal(k)
	require.NoError(t, err)
	require.NoError(t, fs.WriteFile("/install/kustomization.yaml", kdata))

	out := map[string]*unstructured.Unstructured{}
	for _, r := range build(t, fs, "/install").Resources() {
		m, err := r.Map()
		require.NoError(t, err)
		u := &unstructured.Unstructured{Object: m}
		out[u.GetKind()+"/"+u.GetName()] = u
	}
	return out
}

func TestInstall_PatchesTheUpstreamManifestOfThePinnedVersion(t *testing.T) {
	objs := buildInstall(t)
	require.Contains(t, objs, "Namespace/argocd")
	for id, o := range objs {
		if o.GetNamespace() != "" {
			assert.Equal(t, "argocd", o.GetNamespace(), id)
		}
	}
	cm := objs["ConfigMap/argocd-cm"]
	require.NotNil(t, cm)
	data := cm.Object["data"].(map[string]any)
	assert.Equal(t, "annotation", data["application.resourceTrackingMethod"])
	assert.Contains(t, data, "resource.customizations.health.argoproj.io_Application")

	params := objs["ConfigMap/argocd-cmd-params-cm"]
	require.NotNil(t, params)
	assert.NotEmpty(t, params.Object["data"], "argocd-cmd-params-cm patch applied")
	// A patch naming no upstream object would add a ConfigMap instead of
	// changing one: every ConfigMap must be one upstream ships.
	for id := range objs {
		if strings.HasPrefix(id, "ConfigMap/") {
			assert.True(t, strings.HasPrefix(id, "ConfigMap/argocd-"), id)
		}
	}
}

func TestInstall_ApplicationHealthFollowsTheChildApplication(t *testing.T) {
	objs := buildInstall(t)
	script := objs["ConfigMap/argocd-cm"].Object["data"].(map[string]any)["resource.customizations.health.argoproj.io_Application"].(string)
	tests := []struct {
		name   string
		status map[string]any
		want   health.HealthStatusCode
	}{
		{name: "no status yet", status: nil, want: health.HealthStatusProgressing},
		{name: "healthy", status: map[string]any{"health": map[string]any{"status": "Healthy"}}, want: health.HealthStatusHealthy},
		{name: "degraded", status: map[string]any{"health": map[string]any{"status": "Degraded", "message": "crash loop"}}, want: health.HealthStatusDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
				"metadata": map[string]any{"name": "child", "namespace": "argocd"},
			}}
			if tt.status != nil {
				app.Object["status"] = tt.status
			}
			got, err := lua.VM{}.ExecuteHealthLua(app, script)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Status)
		})
	}
}
