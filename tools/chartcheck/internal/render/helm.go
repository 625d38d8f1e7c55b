package render

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	pathutil "github.com/argoproj/argo-cd/v2/util/io/path"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// helm renders a chart the way Argo CD's repo server runs `helm template`
// (util/helm in Argo CD): release name from the Application, namespace,
// value files (relative to the chart, or to the repository root when they
// start with "/"), then spec.source.helm.values/valuesObject, then
// parameters; CRDs included unless skipCrds. It calls the Helm SDK's
// values, engine and release-utility packages that `helm template` (the
// install action in client-only dry-run mode) calls, not the action itself.
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

	ch, err := r.charts.load(chartPath)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", label, err)
	}
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, fmt.Errorf("chart %s: %s charts are not installable", label, ch.Metadata.Type)
	}
	if req := ch.Metadata.Dependencies; req != nil {
		if err := checkDependencies(ch, req); err != nil {
			return nil, fmt.Errorf("chart %s: %w (run `helm dependency build` and commit the charts/ folder)", label, err)
		}
	}

	// What `helm template` (Helm's install action in client-only dry-run
	// mode) does, with the Helm SDK's packages directly: the install
	// action also sorts every document into install order with a costly
	// regular expression, and Argo CD does not care about that order.
	if err := chartutil.ValidateReleaseName(releaseName); err != nil {
		return nil, fmt.Errorf("helm template %s: release name %q: %w", label, releaseName, err)
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, kubeVersion.String()) {
		return nil, fmt.Errorf("helm template %s: chart requires kubeVersion: %s which is incompatible with Kubernetes %s", label, ch.Metadata.KubeVersion, kubeVersion.String())
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, fmt.Errorf("helm template %s: %w", label, err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kubeVersion
	caps.APIVersions = append(caps.APIVersions, src.GetAPIVersionsOrDefault(apiVersions)...)
	skipSchema := h.SkipSchemaValidation
	if !skipSchema {
		handled, err := r.charts.validate(ch, vals)
		if err != nil {
			return nil, fmt.Errorf("helm template %s: %w", label, err)
		}
		skipSchema = handled
	}
	relOpts := chartutil.ReleaseOptions{Name: releaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	renderVals, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, relOpts, caps, skipSchema)
	if err != nil {
		return nil, fmt.Errorf("helm template %s: %w", label, err)
	}
	files, err := engine.Engine{}.Render(ch, renderVals)
	if err != nil {
		return nil, fmt.Errorf("helm template %s: %w", label, err)
	}

	type doc struct{ tmpl, content string }
	var docs []doc
	if !h.SkipCrds {
		for _, crd := range ch.CRDObjects() {
			docs = append(docs, doc{crd.Filename, string(crd.File.Data)})
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") || strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for _, d := range splitYAMLStream(files[name]) {
			docs = append(docs, doc{name, d})
		}
	}
	var out []manifest.Object
	for _, d := range docs {
		s := base
		s.File = templateFile(label, d.tmpl)
		objs, err := manifest.Parse([]byte(d.content), s)
		if err != nil {
			return nil, fmt.Errorf("helm template %s: YAML parse error on %s: %w", label, d.tmpl, err)
		}
		for _, o := range objs {
			if hooks, ok := o.Object.GetAnnotations()[release.HookAnnotation]; ok {
				events, known := hookEvents(hooks)
				// Helm drops hooks of unknown events, and tests on --skip-tests.
				if !known || (h.SkipTests && slices.Contains(events, release.HookTest)) {
					continue
				}
			}
			o.Source.Line = r.templateLine(chartPath, d.tmpl, o)
			out = append(out, o)
		}
	}
	return out, nil
}

// hookEvents parses a helm.sh/hook annotation as Helm's manifest sorter
// does; known is false when one event is not a Helm hook event.
func hookEvents(annotation string) (events []release.HookEvent, known bool) {
	all := map[string]release.HookEvent{"test-success": release.HookTest}
	for _, e := range []release.HookEvent{release.HookPreInstall, release.HookPostInstall, release.HookPreDelete,
		release.HookPostDelete, release.HookPreUpgrade, release.HookPostUpgrade, release.HookPreRollback,
		release.HookPostRollback, release.HookTest} {
		all[e.String()] = e
	}
	for _, t := range strings.Split(annotation, ",") {
		e, ok := all[strings.ToLower(strings.TrimSpace(t))]
		if !ok {
			return nil, false
		}
		events = append(events, e)
	}
	return events, true
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

// splitYAMLStream cuts one rendered template into its documents at "---"
// lines, as Helm's releaseutil.SplitManifests does, without its regular
// expression (slow on large documents such as dashboards). Empty
// documents are dropped.
func splitYAMLStream(stream string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			out = append(out, cur.String())
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(stream, "\n") {
		if strings.HasPrefix(line, "---") {
			flush()
			// Helm's separator also eats what follows "---" on the line
			// when it is blank; anything else starts the next document.
			if rest := strings.TrimLeft(line[3:], " \t\r\n"); rest != "" {
				cur.WriteString(rest)
			}
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// checkDependencies is Helm's action.CheckDependencies, the check `helm
// template` makes that every dependency in Chart.yaml is in charts/. It is
// repeated here because importing Helm's action package for it links the
// install machinery (Kubernetes clients, storage drivers, the chart linter)
// whose package initialisation every chartcheck command would pay for.
func checkDependencies(ch *chart.Chart, reqs []*chart.Dependency) error {
	var missing []string
	for _, r := range reqs {
		if !slices.ContainsFunc(ch.Dependencies(), func(d *chart.Chart) bool { return d.Name() == r.Name }) {
			missing = append(missing, r.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}
