// Package diff compares what every cluster renders to at two revisions and
// writes the added, removed and changed objects as Markdown for a pull request.
package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// Cluster is what one cluster renders to at one revision.
type Cluster struct {
	Name    string
	Objects []manifest.Object
	// Skipped names the Applications that were not rendered, with the reason.
	Skipped []string
}

// Kind says how an object changed.
type Kind string

// The ways an object changes between the revisions.
const (
	Added   Kind = "added"
	Removed Kind = "removed"
	Changed Kind = "changed"
)

// Change is one object that differs between the revisions.
type Change struct {
	Kind Kind
	// Ref is Kind/namespace/name, as people read it.
	Ref string
	// Diff is the unified diff of the object's YAML, base to head.
	Diff string
}

// Application is the changes of one Argo CD Application's objects.
type Application struct {
	// Name is empty for objects built directly from the cluster folder.
	Name    string
	Changes []Change
}

// Count returns how many changes are of kind k.
func (a Application) Count(k Kind) int {
	n := 0
	for _, c := range a.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// ClusterDiff is the changes of one cluster.
type ClusterDiff struct {
	Name         string
	Applications []Application
	// Skipped lists Applications not rendered at either revision.
	Skipped []string
}

// Report is the whole comparison.
type Report struct {
	Base, Head string
	Clusters   []ClusterDiff
}

// HasChanges reports whether any object differs.
func (r Report) HasChanges() bool {
	for _, c := range r.Clusters {
		if len(c.Applications) > 0 {
			return true
		}
	}
	return false
}

// Compare matches objects by cluster and identity (group, kind, namespace,
// name) and diffs their YAML. A cluster present at one revision only shows
// all its objects as added or removed. Secrets' values are masked.
func Compare(baseName, headName string, base, head []Cluster) (Report, error) {
	report := Report{Base: baseName, Head: headName}
	byName := map[string][2]*Cluster{}
	for i := range base {
		p := byName[base[i].Name]
		p[0] = &base[i]
		byName[base[i].Name] = p
	}
	for i := range head {
		p := byName[head[i].Name]
		p[1] = &head[i]
		byName[head[i].Name] = p
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pair := byName[n]
		cd, err := compareCluster(n, pair[0], pair[1], baseName, headName)
		if err != nil {
			return Report{}, fmt.Errorf("cluster %s: %w", n, err)
		}
		report.Clusters = append(report.Clusters, cd)
	}
	return report, nil
}

func compareCluster(name string, base, head *Cluster, baseName, headName string) (ClusterDiff, error) {
	cd := ClusterDiff{Name: name}
	baseObjs, headObjs := index(base), index(head)
	ids := map[string]bool{}
	for id := range baseObjs {
		ids[id] = true
	}
	for id := range headObjs {
		ids[id] = true
	}
	apps := map[string]*Application{}
	for id := range ids {
		b, h := baseObjs[id], headObjs[id]
		var bo, ho *unstructured.Unstructured
		var app, ref string
		if b != nil {
			bo, app, ref = b.Object, b.Source.Application, b.Ref()
		}
		if h != nil {
			ho, app, ref = h.Object, h.Source.Application, h.Ref()
		}
		if bo != nil && ho != nil && equality.Semantic.DeepEqual(bo.Object, ho.Object) {
			continue // most objects: skip marshalling them to YAML
		}
		bo, ho, err := maskSecrets(bo, ho)
		if err != nil {
			return ClusterDiff{}, fmt.Errorf("%s: %w", ref, err)
		}
		a, err := toYAML(bo)
		if err != nil {
			return ClusterDiff{}, fmt.Errorf("%s at %s: %w", ref, baseName, err)
		}
		z, err := toYAML(ho)
		if err != nil {
			return ClusterDiff{}, fmt.Errorf("%s at %s: %w", ref, headName, err)
		}
		if a == z {
			continue
		}
		kind := Changed
		switch {
		case bo == nil:
			kind = Added
		case ho == nil:
			kind = Removed
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: lines(a), B: lines(z),
			FromFile: baseName, ToFile: headName, Context: 3,
		})
		if err != nil {
			return ClusterDiff{}, fmt.Errorf("%s: diffing: %w", ref, err)
		}
		if apps[app] == nil {
			apps[app] = &Application{Name: app}
		}
		apps[app].Changes = append(apps[app].Changes, Change{Kind: kind, Ref: ref, Diff: text})
	}
	for _, a := range apps {
		sort.Slice(a.Changes, func(i, j int) bool {
			if a.Changes[i].Kind != a.Changes[j].Kind {
				return kindOrder[a.Changes[i].Kind] < kindOrder[a.Changes[j].Kind]
			}
			return a.Changes[i].Ref < a.Changes[j].Ref
		})
		cd.Applications = append(cd.Applications, *a)
	}
	sort.Slice(cd.Applications, func(i, j int) bool { return cd.Applications[i].Name < cd.Applications[j].Name })
	cd.Skipped = skipped(base, head)
	return cd, nil
}

var kindOrder = map[Kind]int{Added: 0, Removed: 1, Changed: 2}

func index(c *Cluster) map[string]*manifest.Object {
	out := map[string]*manifest.Object{}
	if c == nil {
		return out
	}
	for i := range c.Objects {
		out[c.Objects[i].ID()] = &c.Objects[i]
	}
	return out
}

// lines splits s after each newline; unlike difflib.SplitLines it adds no
// empty last line, which would show as a stray context line in every hunk.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
}

func toYAML(o *unstructured.Unstructured) (string, error) {
	if o == nil {
		return "", nil
	}
	b, err := yaml.Marshal(o.Object)
	return string(b), err
}

func skipped(base, head *Cluster) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range []*Cluster{base, head} {
		if c == nil {
			continue
		}
		for _, s := range c.Skipped {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
