// Package render renders a cluster folder the way Argo CD v2.14 would:
// Kustomize for the folder, then every Application it finds, recursively,
// with Helm, Kustomize or plain directories, all in-process.
package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// Options say what to render and how.
type Options struct {
	// RepoRoot is the repository's working tree.
	RepoRoot string
	// RepoURLs are the URLs under which Applications refer to this
	// repository (e.g. the origin remote). An Application whose repoURL
	// matches one of them, after normalization, is rendered from RepoRoot.
	// The repoURL of an Application whose path is the cluster folder
	// itself (the cluster's root Application) is always accepted too.
	RepoURLs []string
	// Cluster is the folder name under clusters/, e.g. "prod".
	Cluster string
	// App, when set, keeps only the objects rendered by this Application
	// (the whole tree is still rendered, for capabilities and cycles).
	App string
	// Offline renders only local sources; remote Helm charts are reported
	// in Result.Skipped instead of being pulled.
	Offline bool
	// CacheDir holds pulled remote charts. The renderer writes nowhere else.
	CacheDir string
	// Parallelism bounds how many Applications render at once; 0 means the
	// number of CPUs.
	Parallelism int
}

// Result is one rendered cluster.
type Result struct {
	Cluster string
	// Config is the cluster's chartcheck.yaml (defaults when absent).
	Config *config.Cluster
	// Objects are every object Argo CD would apply to the cluster, in a
	// stable order: the cluster folder's, then each Application's.
	Objects []manifest.Object
	// Applications are every Application found in the tree.
	Applications []Application
	// Skipped lists the Applications whose source was not rendered.
	Skipped []Skipped
	// APIVersions are the extra API versions the Helm charts were rendered
	// with: the cluster config's plus those of CRDs rendered in the tree.
	APIVersions []string
}

// Application is one Argo CD Application found in the tree.
type Application struct {
	Name string
	// Parent is the Application whose output held this one; empty for
	// Applications built directly from the cluster folder.
	Parent string
	// Source is where the Application object itself was rendered from.
	Source manifest.Source
	// SourceType is Helm, Kustomize or Directory; empty when not rendered.
	SourceType string
	// Root is true for the Application whose source is the cluster folder
	// itself: its output is the cluster folder's, rendered once.
	Root bool
}

// Skipped is an Application whose source was not rendered, and why.
type Skipped struct {
	Application string
	Reason      string
}

// Error is a render failure. It names the cluster, the Application (empty
// for the cluster folder itself) and the file at fault.
type Error struct {
	Cluster     string
	Application string
	File        string
	Err         error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster %s", e.Cluster)
	if e.Application != "" {
		fmt.Fprintf(&b, ", application %s", e.Application)
	}
	if e.File != "" {
		fmt.Fprintf(&b, ", %s", e.File)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ClustersDir is the repository folder holding one folder per cluster.
const ClustersDir = "clusters"

// ClusterNames lists the cluster folders under clusters/, sorted.
func ClusterNames(repoRoot string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(repoRoot, ClustersDir))
	if err != nil {
		return nil, fmt.Errorf("listing clusters: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Cluster renders one cluster folder and every Application in it.
func Cluster(ctx context.Context, opts Options) (*Result, error) {
	if opts.Cluster == "" {
		return nil, errors.New("render: no cluster given")
	}
	root, err := filepath.Abs(opts.RepoRoot)
	if err != nil {
		return nil, fmt.Errorf("resolving repository root %s: %w", opts.RepoRoot, err)
	}
	opts.RepoRoot = root
	dir := filepath.Join(root, ClustersDir, opts.Cluster)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, &Error{Cluster: opts.Cluster, File: filepath.ToSlash(filepath.Join(ClustersDir, opts.Cluster)), Err: errors.New("no such cluster folder")}
	}
	shared, err := config.LoadShared(filepath.Join(root, config.FileName))
	if err != nil {
		return nil, &Error{Cluster: opts.Cluster, File: config.FileName, Err: err}
	}
	cfg, err := config.Load(dir, shared)
	if err != nil {
		return nil, &Error{Cluster: opts.Cluster, File: filepath.ToSlash(filepath.Join(ClustersDir, opts.Cluster, config.FileName)), Err: err}
	}
	r := newRenderer(opts, cfg)
	// Charts gated on CRD API versions see those of CRDs rendered anywhere
	// in the tree; render again until the set stops growing (a CRD that
	// only appears once another CRD exists needs a second round).
	apiVersions := append([]string(nil), cfg.APIVersions...)
	var res *Result
	for round := 0; round < 4; round++ {
		res, err = r.renderTree(ctx, apiVersions)
		if err != nil {
			return nil, relativeError(err, root)
		}
		more := mergeVersions(apiVersions, crdAPIVersions(res.Objects))
		if len(more) == len(apiVersions) {
			break
		}
		apiVersions = more
	}
	res.APIVersions = apiVersions
	if err := checkDuplicates(opts.Cluster, res.Objects); err != nil {
		return nil, err
	}
	if opts.App != "" {
		found := false
		for _, a := range res.Applications {
			found = found || a.Name == opts.App
		}
		if !found {
			return nil, &Error{Cluster: opts.Cluster, Application: opts.App, Err: errors.New("no such Application in the cluster")}
		}
		var keep []manifest.Object
		for _, o := range res.Objects {
			if o.Source.Application == opts.App {
				keep = append(keep, o)
			}
		}
		res.Objects = keep
	}
	return res, nil
}

// relativeError drops the repository root from messages of the libraries
// (Kustomize reports absolute paths), so errors read the same on every
// machine and in CI.
func relativeError(err error, root string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Err.Error()
	if !strings.Contains(msg, root) {
		return err
	}
	out := *e
	out.Err = errors.New(strings.ReplaceAll(strings.ReplaceAll(msg, root+string(filepath.Separator), ""), root, "."))
	return &out
}

// mergeVersions returns base plus the versions of add it lacks, keeping
// base's order.
func mergeVersions(base, add []string) []string {
	seen := map[string]bool{}
	out := append([]string(nil), base...)
	for _, v := range base {
		seen[v] = true
	}
	for _, v := range add {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// crdAPIVersions lists "group/version" and "group/version/Kind" for every
// served version of every CRD among objs, as a cluster's discovery would.
func crdAPIVersions(objs []manifest.Object) []string {
	var out []string
	for _, o := range objs {
		u := o.Object
		if u.GetKind() != "CustomResourceDefinition" || !strings.HasPrefix(u.GetAPIVersion(), "apiextensions.k8s.io/") {
			continue
		}
		spec, _ := u.Object["spec"].(map[string]any)
		group, _ := spec["group"].(string)
		names, _ := spec["names"].(map[string]any)
		kind, _ := names["kind"].(string)
		versions, _ := spec["versions"].([]any)
		for _, v := range versions {
			vm, _ := v.(map[string]any)
			name, _ := vm["name"].(string)
			if served, ok := vm["served"].(bool); ok && !served {
				continue
			}
			if group == "" || name == "" {
				continue
			}
			out = append(out, group+"/"+name)
			if kind != "" {
				out = append(out, group+"/"+name+"/"+kind)
			}
		}
	}
	sort.Strings(out)
	return out
}

// checkDuplicates fails when two rendered objects would be the same object
// in the cluster. Objects without a namespace are counted in their
// Application's destination namespace, as Argo CD applies them there.
func checkDuplicates(cluster string, objs []manifest.Object) error {
	seen := map[string]manifest.Object{}
	for _, o := range objs {
		ns := o.Object.GetNamespace()
		if ns == "" {
			ns = o.Source.Namespace
		}
		gvk := o.Object.GroupVersionKind()
		key := gvk.Group + "/" + gvk.Kind + "/" + ns + "/" + o.Object.GetName()
		if prev, ok := seen[key]; ok {
			return &Error{
				Cluster:     cluster,
				Application: o.Source.Application,
				File:        o.Source.String(),
				Err: fmt.Errorf("duplicate object %s: also rendered by %s", o.Ref(),
					describe(prev.Source)),
			}
		}
		seen[key] = o
	}
	return nil
}

func describe(s manifest.Source) string {
	if s.Application == "" {
		return "the cluster folder at " + s.String()
	}
	return fmt.Sprintf("application %s at %s", s.Application, s.String())
}
