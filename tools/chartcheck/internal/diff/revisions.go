package diff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
)

// side is one revision, checked out where it can be rendered.
type side struct {
	label string
	dir   string
}

// Revisions renders the named clusters (every cluster of either revision
// when names is empty) at base and at head, each checked out into a
// temporary git worktree, and compares them; an empty head is the working
// tree at opts.RepoRoot as it is.
func Revisions(ctx context.Context, opts render.Options, base, head string, names []string) (Report, error) {
	baseTree, err := Checkout(ctx, opts.RepoRoot, base)
	if err != nil {
		return Report{}, err
	}
	defer func() { _ = baseTree.Remove() }()
	from := side{label: fmt.Sprintf("%s (%.12s)", base, baseTree.Commit), dir: baseTree.Dir}
	to := side{label: "working tree", dir: opts.RepoRoot}
	if head != "" {
		headTree, err := Checkout(ctx, opts.RepoRoot, head)
		if err != nil {
			return Report{}, err
		}
		defer func() { _ = headTree.Remove() }()
		to = side{label: fmt.Sprintf("%s (%.12s)", head, headTree.Commit), dir: headTree.Dir}
	}

	if len(names) == 0 {
		// A cluster added or removed between the revisions is compared too.
		if names, err = clusterUnion(from.dir, to.dir); err != nil {
			return Report{}, err
		}
	}
	var rendered [2][]Cluster
	for i, s := range []side{from, to} {
		for _, name := range names {
			c, ok, err := renderSide(ctx, opts, s.dir, name)
			if err != nil {
				return Report{}, fmt.Errorf("rendering %s: %w", s.label, err)
			}
			if ok {
				rendered[i] = append(rendered[i], c)
			}
		}
	}
	return Compare(from.label, to.label, rendered[0], rendered[1])
}

// renderSide renders one cluster of the tree at dir; ok is false when the
// cluster folder does not exist there.
func renderSide(ctx context.Context, opts render.Options, dir, name string) (Cluster, bool, error) {
	if _, err := os.Stat(filepath.Join(dir, render.ClustersDir, name)); errors.Is(err, os.ErrNotExist) {
		return Cluster{}, false, nil
	}
	o := opts
	o.RepoRoot, o.Cluster = dir, name
	res, err := render.Cluster(ctx, o)
	if err != nil {
		return Cluster{}, false, err
	}
	c := Cluster{Name: name, Objects: res.Objects}
	for _, s := range res.Skipped {
		c.Skipped = append(c.Skipped, fmt.Sprintf("%s (%s)", s.Application, s.Reason))
	}
	return c, true, nil
}

func clusterUnion(dirs ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, d := range dirs {
		names, err := render.ClusterNames(d)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}
