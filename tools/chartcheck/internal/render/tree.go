package render

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	argopath "github.com/argoproj/argo-cd/v2/util/app/path"
	"golang.org/x/sync/errgroup"

	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// renderer holds what one cluster's render shares between Applications.
type renderer struct {
	opts     Options
	cfg      *config.Cluster
	repoURLs map[string]bool
	files    *fileCache
	charts   *chartCache
	sem      chan struct{}
}

func newRenderer(opts Options, cfg *config.Cluster) *renderer {
	n := opts.Parallelism
	if n <= 0 {
		n = runtime.NumCPU()
	}
	r := &renderer{opts: opts, cfg: cfg, repoURLs: map[string]bool{}, files: newFileCache(), charts: newChartCache(), sem: make(chan struct{}, n)}
	for _, u := range append(rootRepoURLs(opts.RepoRoot), opts.RepoURLs...) {
		r.repoURLs[NormalizeRepoURL(u)] = true
	}
	return r
}

// node is one Application to render, with the chain of Applications that
// led to it (for cycle detection).
type node struct {
	app       *v1alpha1.Application
	src       manifest.Source
	parent    string
	ancestors []string
}

// subtree is what rendering one Application and its descendants yields.
type subtree struct {
	objects []manifest.Object
	apps    []Application
	skipped []Skipped
}

func (r *renderer) clusterRel() string {
	return ClustersDir + "/" + r.opts.Cluster
}

// renderTree renders the cluster folder, then every Application found,
// depth first and in parallel, keeping a stable output order.
func (r *renderer) renderTree(ctx context.Context, apiVersions []string) (*Result, error) {
	res := &Result{Cluster: r.opts.Cluster, Config: r.cfg}
	clusterDir := filepath.Join(r.opts.RepoRoot, ClustersDir, r.opts.Cluster)
	base := manifest.Source{Cluster: r.opts.Cluster}
	var objs []manifest.Object
	var err error
	if kustomizationFile(clusterDir) != "" {
		objs, err = r.kustomize(clusterDir, nil, base, nil)
	} else {
		objs, err = r.directory(clusterDir, v1alpha1.ApplicationSourceDirectory{}, base)
	}
	if err != nil {
		file := r.clusterRel()
		if k := kustomizationFile(clusterDir); k != "" {
			file += "/" + k
		}
		return nil, &Error{Cluster: r.opts.Cluster, File: file, Err: err}
	}
	nodes, err := r.applicationsIn(objs, "", nil)
	if err != nil {
		return nil, err
	}
	// The cluster's root Application points at the cluster folder itself:
	// its repoURL names this repository, and its output is what was just
	// rendered.
	for _, n := range nodes {
		if isRootOf(n.app, r.clusterRel()) {
			r.repoURLs[NormalizeRepoURL(n.app.Spec.GetSource().RepoURL)] = true
		}
	}
	res.Objects = objs
	trees := make([]subtree, len(nodes))
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range nodes {
		if isRootOf(n.app, r.clusterRel()) {
			for j := range res.Objects {
				if res.Objects[j].Source.Application == "" {
					res.Objects[j].Source.Application = n.app.Name
					res.Objects[j].Source.Namespace = n.app.Spec.Destination.Namespace
				}
			}
			trees[i] = subtree{apps: []Application{{Name: n.app.Name, Source: n.src, SourceType: "Kustomize", Root: true}}}
			continue
		}
		g.Go(func() error {
			t, err := r.renderNode(gctx, n, apiVersions)
			trees[i] = t
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, t := range trees {
		res.Objects = append(res.Objects, t.objects...)
		res.Applications = append(res.Applications, t.apps...)
		res.Skipped = append(res.Skipped, t.skipped...)
	}
	return res, nil
}

func isRootOf(app *v1alpha1.Application, clusterRel string) bool {
	if app.Spec.HasMultipleSources() {
		return false
	}
	src := app.Spec.GetSource()
	return src.Chart == "" && filepath.ToSlash(filepath.Clean(src.Path)) == clusterRel
}

// renderNode renders one Application, then its children in parallel.
func (r *renderer) renderNode(ctx context.Context, n node, apiVersions []string) (subtree, error) {
	name := n.app.Name
	for _, a := range n.ancestors {
		if a == name {
			chain := append(append([]string(nil), n.ancestors...), name)
			return subtree{}, &Error{Cluster: r.opts.Cluster, Application: name, File: n.src.String(),
				Err: fmt.Errorf("cycle of Applications: %s", strings.Join(chain, " -> "))}
		}
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return subtree{}, ctx.Err()
	}
	objs, typ, skipped, err := r.renderApp(n.app, n.src, apiVersions)
	<-r.sem
	if err != nil {
		return subtree{}, err
	}
	t := subtree{
		objects: objs,
		apps:    []Application{{Name: name, Parent: n.parent, Source: n.src, SourceType: typ}},
		skipped: skipped,
	}
	children, err := r.applicationsIn(objs, name, append(append([]string(nil), n.ancestors...), name))
	if err != nil {
		return subtree{}, err
	}
	trees := make([]subtree, len(children))
	g, gctx := errgroup.WithContext(ctx)
	for i, c := range children {
		g.Go(func() error {
			ct, err := r.renderNode(gctx, c, apiVersions)
			trees[i] = ct
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return subtree{}, err
	}
	for _, ct := range trees {
		t.objects = append(t.objects, ct.objects...)
		t.apps = append(t.apps, ct.apps...)
		t.skipped = append(t.skipped, ct.skipped...)
	}
	return t, nil
}

// applicationsIn decodes, strictly and with Argo CD's own types, every
// Application among objs.
func (r *renderer) applicationsIn(objs []manifest.Object, parent string, ancestors []string) ([]node, error) {
	var out []node
	for _, o := range objs {
		if o.Object.GetKind() != "Application" || o.Object.GetAPIVersion() != "argoproj.io/v1alpha1" {
			continue
		}
		raw, err := o.Object.MarshalJSON()
		if err != nil {
			return nil, &Error{Cluster: r.opts.Cluster, Application: parent, File: o.Source.String(), Err: err}
		}
		app := &v1alpha1.Application{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(app); err != nil {
			return nil, &Error{Cluster: r.opts.Cluster, Application: parent, File: o.Source.String(),
				Err: fmt.Errorf("decoding Application %s: %w", o.Object.GetName(), err)}
		}
		if app.Spec.GetSource().RepoURL == "" && !app.Spec.HasMultipleSources() {
			return nil, &Error{Cluster: r.opts.Cluster, Application: app.Name, File: o.Source.String(),
				Err: fmt.Errorf("Application %s has no spec.source.repoURL", app.Name)}
		}
		out = append(out, node{app: app, src: o.Source, parent: parent, ancestors: ancestors})
	}
	return out, nil
}

// renderApp renders every source of one Application, the way Argo CD's
// repo server does for each.
func (r *renderer) renderApp(app *v1alpha1.Application, defined manifest.Source, apiVersions []string) ([]manifest.Object, string, []Skipped, error) {
	fail := func(file string, err error) ([]manifest.Object, string, []Skipped, error) {
		return nil, "", nil, &Error{Cluster: r.opts.Cluster, Application: app.Name, File: file, Err: err}
	}
	sources := app.Spec.GetSources()
	refs := map[string]v1alpha1.ApplicationSource{}
	for _, s := range sources {
		if s.Ref != "" {
			refs["$"+s.Ref] = s
		}
	}
	var out []manifest.Object
	var skipped []Skipped
	types := map[string]bool{}
	for i := range sources {
		src := sources[i].DeepCopy()
		if src.Ref != "" && src.Path == "" && src.Chart == "" {
			continue // a source that only lends values files to the others
		}
		base := manifest.Source{Cluster: r.opts.Cluster, Application: app.Name, Namespace: app.Spec.Destination.Namespace}
		switch {
		case src.IsHelm():
			if r.opts.Offline {
				skipped = append(skipped, Skipped{Application: app.Name,
					Reason: fmt.Sprintf("remote Helm chart %s %s from %s not pulled: offline", src.Chart, src.TargetRevision, src.RepoURL)})
				continue
			}
			chartDir, err := r.pullChart(src.RepoURL, src.Chart, src.TargetRevision)
			if err != nil {
				return fail(defined.String(), err)
			}
			label := strings.TrimSuffix(src.RepoURL, "/") + "/" + src.Chart + "@" + src.TargetRevision
			objs, err := r.helm(app, src, chartDir, chartDir, label, refs, base, apiVersions)
			if err != nil {
				return fail(label, err)
			}
			types["Helm"] = true
			out = append(out, objs...)
		case !r.isThisRepo(src.RepoURL):
			skipped = append(skipped, Skipped{Application: app.Name,
				Reason: fmt.Sprintf("remote git repository %s (path %q) is not rendered", src.RepoURL, src.Path)})
		default:
			objs, typ, err := r.renderLocal(app, defined, src, refs, base, apiVersions)
			if err != nil {
				return nil, "", nil, err
			}
			types[typ] = true
			out = append(out, objs...)
		}
	}
	var names []string
	for _, t := range []string{"Helm", "Kustomize", "Directory"} {
		if types[t] {
			names = append(names, t)
		}
	}
	return out, strings.Join(names, ","), skipped, nil
}

// renderLocal renders a source in this repository.
func (r *renderer) renderLocal(app *v1alpha1.Application, defined manifest.Source, src *v1alpha1.ApplicationSource, refs map[string]v1alpha1.ApplicationSource, base manifest.Source, apiVersions []string) ([]manifest.Object, string, error) {
	root := r.opts.RepoRoot
	appPath, err := argopath.Path(root, src.Path)
	if err != nil {
		return nil, "", &Error{Cluster: r.opts.Cluster, Application: app.Name, File: defined.String(), Err: fmt.Errorf("spec.source.path: %w", err)}
	}
	rel := r.rel(appPath)
	fail := func(err error) ([]manifest.Object, string, error) {
		return nil, "", &Error{Cluster: r.opts.Cluster, Application: app.Name, File: rel, Err: err}
	}
	typ, err := sourceType(src, appPath)
	if err != nil {
		return fail(err)
	}
	var objs []manifest.Object
	switch typ {
	case v1alpha1.ApplicationSourceTypeHelm:
		objs, err = r.helm(app, src, appPath, root, rel, refs, base, apiVersions)
	case v1alpha1.ApplicationSourceTypeKustomize:
		objs, err = r.kustomize(appPath, src.Kustomize, base, argoEnv(app))
	case v1alpha1.ApplicationSourceTypeDirectory:
		dir := v1alpha1.ApplicationSourceDirectory{}
		if src.Directory != nil {
			dir = *src.Directory
		}
		objs, err = r.directory(appPath, dir, base)
	default:
		err = fmt.Errorf("source type %s is not supported", typ)
	}
	if err != nil {
		if k := kustomizationFile(appPath); typ == v1alpha1.ApplicationSourceTypeKustomize && k != "" {
			rel += "/" + k
		}
		return fail(err)
	}
	return objs, string(typ), nil
}

// sourceType is Argo CD's choice: the explicit one, else Kustomize when the
// folder holds a kustomization, else Helm when it holds a Chart.yaml, else
// a plain directory.
func sourceType(src *v1alpha1.ApplicationSource, appPath string) (v1alpha1.ApplicationSourceType, error) {
	t, err := src.ExplicitType()
	if err != nil {
		return "", err
	}
	if t != nil {
		return *t, nil
	}
	if kustomizationFile(appPath) != "" {
		return v1alpha1.ApplicationSourceTypeKustomize, nil
	}
	entries, err := os.ReadDir(appPath)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), "Chart.yaml") {
			return v1alpha1.ApplicationSourceTypeHelm, nil
		}
	}
	return v1alpha1.ApplicationSourceTypeDirectory, nil
}

// rel is path relative to the repository root, with forward slashes.
func (r *renderer) rel(path string) string {
	rel, err := filepath.Rel(r.opts.RepoRoot, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

func (r *renderer) isThisRepo(url string) bool {
	return r.repoURLs[NormalizeRepoURL(url)]
}

// argoEnv is the build environment Argo CD substitutes into Kustomize
// images and labels.
func argoEnv(app *v1alpha1.Application) *v1alpha1.Env {
	src := app.Spec.GetSource()
	return &v1alpha1.Env{
		{Name: "ARGOCD_APP_NAME", Value: app.Name},
		{Name: "ARGOCD_APP_NAMESPACE", Value: app.Spec.Destination.Namespace},
		{Name: "ARGOCD_APP_REVISION", Value: ""},
		{Name: "ARGOCD_APP_REVISION_SHORT", Value: ""},
		{Name: "ARGOCD_APP_REVISION_SHORT_8", Value: ""},
		{Name: "ARGOCD_APP_SOURCE_REPO_URL", Value: src.RepoURL},
		{Name: "ARGOCD_APP_SOURCE_PATH", Value: src.Path},
		{Name: "ARGOCD_APP_SOURCE_TARGET_REVISION", Value: src.TargetRevision},
	}
}
