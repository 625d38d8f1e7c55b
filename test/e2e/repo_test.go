//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/test/e2e/stack"
)

// upstreamRepo is the repository the real manifests name; the test serves
// a clone of it from the stack's git daemon instead.
const upstreamRepo = "https://github.com/doc-search/gitops.git"

// cloneThisRepo serves the committed HEAD of this repository as
// gitops.git (branch main) and returns a working clone of it.
func (e *env) cloneThisRepo() (*gitRepo, string) {
	e.t.Helper()
	bare := filepath.Join(e.served, "gitops.git")
	runGit(e.t, e.served, "init", "--quiet", "--bare", "--initial-branch=main", bare)
	runGit(e.t, e.root, "push", "--quiet", bare, "HEAD:refs/heads/main")
	dir := filepath.Join(e.work, "gitops")
	runGit(e.t, e.work, "clone", "--quiet", "--branch", "main", bare, dir)
	return &gitRepo{t: e.t, dir: dir}, e.gitURL + "gitops.git"
}

// followLocalServer commits to the clone, in clusters/<cluster>, the
// Kustomize patches that make the cluster's Applications and projects name
// the served clone instead of GitHub, and that leave out what cannot work
// in this sandbox (each reported with t.Log):
//   - kube-prometheus-stack, whose chart comes from a remote Helm
//     repository (its CRDs are installed from the Go module instead);
//   - prod's sync windows, which would make the manual sync depend on the
//     day and hour the test runs.
//
// The real manifests stay as they are; only the served clone carries it.
func (e *env) followLocalServer(repo *gitRepo, cluster, url string) {
	e.t.Helper()
	path := filepath.Join(repo.dir, "clusters", cluster, "kustomization.yaml")
	data, err := os.ReadFile(path)
	require.NoError(e.t, err)
	var k map[string]any
	require.NoError(e.t, yaml.Unmarshal(data, &k), "parsing %s", path)
	patches, _ := k["patches"].([]any)
	jsonPatch := func(kind, name, patch string) map[string]any {
		return map[string]any{"target": map[string]any{"kind": kind, "name": name}, "patch": patch}
	}
	patches = append(patches,
		jsonPatch("Application", "doc-search", fmt.Sprintf(`[{"op":"replace","path":"/spec/source/repoURL","value":%q}]`, url)),
		jsonPatch("AppProject", "doc-search", fmt.Sprintf(`[{"op":"replace","path":"/spec/sourceRepos","value":[%q]}]`, url)),
		map[string]any{"patch": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: kube-prometheus-stack\n  namespace: argocd\n$patch: delete\n"},
	)
	e.t.Logf("%s: kube-prometheus-stack left out (its chart is fetched from a remote Helm repository, unreachable here); Prometheus operator CRDs installed from the Go module instead", cluster)
	left, names := visitorsLeftOut(string(data))
	patches = append(patches, left...)
	e.t.Logf("%s: %v left out (a remote chart; Pods that must run)", cluster, names)
	if strings.Contains(string(data), "syncWindows") {
		patches = append(patches, jsonPatch("AppProject", "doc-search|platform", `[{"op":"remove","path":"/spec/syncWindows"}]`))
		e.t.Logf("%s: sync windows removed so that the manual sync does not depend on the clock", cluster)
	}
	k["patches"] = patches
	out, err := yaml.Marshal(k)
	require.NoError(e.t, err)
	require.NoError(e.t, os.WriteFile(path, out, 0o644))
	repo.commitAll("Follow the test's git server")
	repo.push()
}

// applyRoot applies argocd/root/<cluster> from the clone, as a person does
// once per cluster, with the repository URL patched to the served clone.
func (e *env) applyRoot(repo *gitRepo, cluster, url string) {
	e.t.Helper()
	overlay := filepath.Join(e.work, "root-"+cluster)
	require.NoError(e.t, os.MkdirAll(overlay, 0o755))
	// Kustomize takes a base only by a relative path.
	base, err := filepath.Rel(overlay, filepath.Join(repo.dir, "argocd", "root", cluster))
	require.NoError(e.t, err)
	k := map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  []any{base},
		"patches": []any{
			map[string]any{
				"target": map[string]any{"kind": "Application", "name": "root"},
				"patch":  fmt.Sprintf(`[{"op":"replace","path":"/spec/source/repoURL","value":%q}]`, url),
			},
			map[string]any{
				"target": map[string]any{"kind": "AppProject", "name": "bootstrap"},
				"patch":  fmt.Sprintf(`[{"op":"replace","path":"/spec/sourceRepos","value":[%q]}]`, url),
			},
		},
	}
	data, err := yaml.Marshal(k)
	require.NoError(e.t, err)
	require.NoError(e.t, os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), data, 0o644))
	objs := kustomizeBuild(e.t, overlay)
	require.NoError(e.t, e.stack.Apply(e.ctx, objs, stack.ApplyOptions{Namespace: stack.ArgoCDNamespace}), "applying argocd/root/%s", cluster)
}

// kustomizeBuild renders a kustomization with the Kustomize API.
func kustomizeBuild(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone
	resMap, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	require.NoError(t, err, "kustomize build %s", dir)
	data, err := resMap.AsYaml()
	require.NoError(t, err)
	objs, err := stack.DecodeYAML(data)
	require.NoError(t, err)
	return objs
}

// installPrometheusCRDs installs the Prometheus operator's CRDs from the
// prometheus-operator module at the version go.mod pins for its API types,
// so ServiceMonitor and PrometheusRule can be created.
func (e *env) installPrometheusCRDs() {
	e.t.Helper()
	e.installModuleCRDs("github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring",
		"github.com/prometheus-operator/prometheus-operator", "example/prometheus-operator-crd/monitoring.coreos.com_*.yaml")
}

// installSealedSecretsCRD applies the SealedSecret CRD of the sealed-secrets
// module tools/seal builds with: the CRD its remote chart installs.
func (e *env) installSealedSecretsCRD() {
	e.t.Helper()
	e.installModuleCRDs("github.com/bitnami-labs/sealed-secrets",
		"github.com/bitnami-labs/sealed-secrets", "helm/sealed-secrets/crds/bitnami.com_*.yaml")
}

// installModuleCRDs applies the CRD files matching glob in module at the
// version go.mod requires of versionOf (a package path of that module's).
func (e *env) installModuleCRDs(versionOf, module, glob string) {
	e.t.Helper()
	version := goOutput(e.t, e.root, "list", "-m", "-f", "{{.Version}}", versionOf)
	dir := goOutput(e.t, e.root, "mod", "download", "-json", module+"@"+version)
	var mod struct{ Dir string }
	require.NoError(e.t, yaml.Unmarshal([]byte(dir), &mod))
	require.NoError(e.t, e.stack.ApplyFiles(e.ctx, stack.ApplyOptions{}, filepath.Join(mod.Dir, filepath.FromSlash(glob))))
}

// buildTool builds one of this repository's commands into the test's
// temporary folder.
func (e *env) buildTool(pkg string) string {
	e.t.Helper()
	out := filepath.Join(e.t.TempDir(), filepath.Base(pkg))
	goOutput(e.t, e.root, "build", "-o", out, pkg)
	return out
}

func goOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "go %s: %s", strings.Join(args, " "), stderr)
	return strings.TrimSpace(string(out))
}

// runTool runs a built command in dir and returns its output.
func runTool(t *testing.T, dir, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", filepath.Base(bin), strings.Join(args, " "), out)
	return string(out)
}
