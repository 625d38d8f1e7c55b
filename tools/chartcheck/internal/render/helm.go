package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	pathutil "github.com/argoproj/argo-cd/v2/util/io/path"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// helm renders a chart the way Argo CD's repo server runs `helm template`
// (util/helm in Argo CD): release name from the Application, namespace,
// value files (relative to the chart, or to the repository root when they
// start with "/"), then spec.source.helm.values/valuesObject, then
// parameters; CRDs included unless skipCrds. It runs Helm's own install
// action in client-only dry-run mode, which is what `helm template` is.
//
// chartPath is the chart folder (or archive); root is the folder value
// files may not leave; label is how Source.File names the chart.
func (r *renderer) helm(app *v1alpha1.Application, src *v1alpha1.ApplicationSource, chartPath, root, label string,
	refs map[string]v1alpha1.ApplicationSource, base manifest.Source, apiVersions []string) ([]manifest.Object, error) {
	h := src.Helm
	if h == nil {
		h = &v1alpha1.ApplicationSourceHelm{}
	}
	env := argoEnv(app)
	releaseName := app.Name
	if h.ReleaseName != "" {
		releaseName = h.ReleaseName
	}
	namespace := src.GetNamespaceOrDefault(app.Spec.Destination.Namespace)
	kubeVersion, err := chartutil.ParseKubeVersion(src.GetKubeVersionOrDefault(r.cfg.KubeVersion))
	if err != nil {
		return nil, fmt.Errorf("kube version: %w", err)
	}

	vals, err := r.helmValues(h, src, chartPath, root, refs, env)
	if err != nil {
		return nil, err
	}

	ch, err := loader.Load(chartPath)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", label, err)
	}
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, fmt.Errorf("chart %s: %s charts are not installable", label, ch.Metadata.Type)
	}
	if req := ch.Metadata.Dependencies; req != nil {
		if err := action.CheckDependencies(ch, req); err != nil {
			return nil, fmt.Errorf("chart %s: %w (run `helm dependency build` and commit the charts/ folder)", label, err)
		}
	}

	inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	inst.DryRun = true
	inst.DryRunOption = "true"
	inst.ClientOnly = true
	inst.Replace = true
	inst.ReleaseName = releaseName
	inst.Namespace = namespace
	inst.KubeVersion = kubeVersion
	inst.APIVersions = chartutil.VersionSet(src.GetAPIVersionsOrDefault(apiVersions))
	inst.IncludeCRDs = !h.SkipCrds
	inst.SkipSchemaValidation = h.SkipSchemaValidation
	rel, err := inst.RunWithContext(context.Background(), ch, vals)
	if err != nil {
		return nil, fmt.Errorf("helm template %s: %w", label, err)
	}

	// The same stream `helm template` prints: the manifests, then the hooks.
	docs := releaseutil.SplitManifests(rel.Manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var chunks []string
	for _, k := range keys {
		chunks = append(chunks, docs[k])
	}
	for _, hook := range rel.Hooks {
		if h.SkipTests && isTestHook(hook) {
			continue
		}
		chunks = append(chunks, fmt.Sprintf("# Source: %s\n%s\n", hook.Path, hook.Manifest))
	}
	var out []manifest.Object
	for _, c := range chunks {
		tmpl := sourceComment(c)
		s := base
		s.File = templateFile(label, tmpl)
		objs, err := manifest.Parse([]byte(c), s)
		if err != nil {
			return nil, fmt.Errorf("helm template %s: output of %s: %w", label, tmpl, err)
		}
		for i := range objs {
			objs[i].Source.Line = r.templateLine(chartPath, tmpl, objs[i])
		}
		out = append(out, objs...)
	}
	return out, nil
}

func isTestHook(h *release.Hook) bool {
	for _, e := range h.Events {
		if e == release.HookTest {
			return true
		}
	}
	return false
}

var sourceRE = regexp.MustCompile(`(?m)^# Source: (.+)$`)

func sourceComment(doc string) string {
	if m := sourceRE.FindStringSubmatch(doc); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// templateFile maps Helm's "# Source: <chart>/templates/x.yaml" to the
// file in the repository: the chart folder's templates/x.yaml.
func templateFile(label, tmpl string) string {
	if tmpl == "" {
		return label
	}
	_, rest, ok := strings.Cut(tmpl, "/")
	if !ok {
		return label
	}
	return label + "/" + rest
}

// templateLine is where in the template file the object is written: the
// line declaring its kind. 0 when the template is not a file on disk.
func (r *renderer) templateLine(chartPath, tmpl string, obj manifest.Object) int {
	_, rest, ok := strings.Cut(tmpl, "/")
	if !ok {
		return 0
	}
	lines := r.files.textLines(filepath.Join(chartPath, filepath.FromSlash(rest)))
	want := "kind: " + obj.Object.GetKind()
	for i, l := range lines {
		if strings.TrimSpace(l) == want {
			return i + 1
		}
	}
	return 0
}

// helmValues merges the values as `helm template` does with the flags Argo
// CD passes: each value file in order, then values/valuesObject (Argo CD
// writes them to one more --values file), then --set, --set-string and
// --set-file.
func (r *renderer) helmValues(h *v1alpha1.ApplicationSourceHelm, src *v1alpha1.ApplicationSource, chartPath, root string,
	refs map[string]v1alpha1.ApplicationSource, env *v1alpha1.Env) (map[string]any, error) {
	base := map[string]any{}
	// Value files of a remote chart resolve inside the pulled chart.
	appPath := chartPath
	if fi, err := os.Stat(chartPath); err == nil && !fi.IsDir() {
		appPath = filepath.Dir(chartPath)
	}
	for _, vf := range h.ValueFiles {
		path, err := r.resolveValueFile(vf, appPath, root, refs, env)
		if err != nil {
			return nil, fmt.Errorf("valueFiles %q: %w", vf, err)
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			if h.IgnoreMissingValueFiles {
				continue
			}
			return nil, fmt.Errorf("valueFiles %q: %s does not exist", vf, r.rel(path))
		}
		if err != nil {
			return nil, fmt.Errorf("valueFiles %q: %w", vf, err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("valueFiles %q: parsing %s: %w", vf, r.rel(path), err)
		}
		base = mergeMaps(base, m)
	}
	if !h.ValuesIsEmpty() {
		m := map[string]any{}
		if err := yaml.Unmarshal(h.ValuesYAML(), &m); err != nil {
			return nil, fmt.Errorf("spec.source.helm.values: %w", err)
		}
		base = mergeMaps(base, m)
	}
	params := append([]v1alpha1.HelmParameter(nil), h.Parameters...)
	sort.SliceStable(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	for _, p := range params {
		if p.ForceString {
			continue
		}
		if err := strvals.ParseInto(p.Name+"="+cleanSetParameters(env.Envsubst(p.Value)), base); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	for _, p := range params {
		if !p.ForceString {
			continue
		}
		if err := strvals.ParseIntoString(p.Name+"="+cleanSetParameters(env.Envsubst(p.Value)), base); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	for _, p := range h.FileParameters {
		path, err := r.resolveValueFile(p.Path, appPath, root, refs, env)
		if err != nil {
			return nil, fmt.Errorf("fileParameters %s: %w", p.Name, err)
		}
		reader := func(rs []rune) (any, error) {
			data, err := os.ReadFile(string(rs))
			return string(data), err
		}
		if err := strvals.ParseIntoFile(p.Name+"="+cleanSetParameters(path), base, reader); err != nil {
			return nil, fmt.Errorf("fileParameters %s: %w", p.Name, err)
		}
	}
	return base, nil
}

// resolveValueFile is Argo CD's resolution: "$ref/path" against a source
// with that ref (only this repository is available here), "/path" against
// the repository root, anything else against the chart folder; a path that
// leaves the repository is an error.
func (r *renderer) resolveValueFile(vf, appPath, root string, refs map[string]v1alpha1.ApplicationSource, env *v1alpha1.Env) (string, error) {
	if strings.HasPrefix(vf, "$") {
		ref, rest, _ := strings.Cut(vf, "/")
		s, ok := refs[ref]
		if !ok {
			return "", fmt.Errorf("no source with ref %s", strings.TrimPrefix(ref, "$"))
		}
		if !r.isThisRepo(s.RepoURL) {
			return "", fmt.Errorf("ref %s is the remote repository %s, which is not rendered", ref, s.RepoURL)
		}
		p, _, err := pathutil.ResolveValueFilePathOrUrl(r.opts.RepoRoot, r.opts.RepoRoot, env.Envsubst("/"+rest), nil)
		return string(p), err
	}
	p, remote, err := pathutil.ResolveValueFilePathOrUrl(appPath, root, env.Envsubst(vf), nil)
	if err != nil {
		return "", err
	}
	if remote {
		return "", errors.New("remote value files are not supported")
	}
	return string(p), nil
}

// cleanSetParameters escapes commas as Argo CD does before passing --set,
// except in Helm's {a,b} list syntax.
func cleanSetParameters(val string) string {
	if strings.HasPrefix(val, "{") && strings.HasSuffix(val, "}") {
		return val
	}
	var b strings.Builder
	var prev rune
	for _, c := range val {
		if c == ',' && prev != '\\' {
			b.WriteString(`\,`)
		} else {
			b.WriteRune(c)
		}
		prev = c
	}
	return b.String()
}

// mergeMaps is Helm's merge of successive --values files (pkg/cli/values).
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]any); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]any); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}
