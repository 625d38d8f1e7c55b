package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/chartcheck/internal/diff"
	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
)

func newDiffCmd() *cobra.Command {
	var f renderFlags
	var base, head string
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff --base REV [--head REV] [clusters/NAME...]",
		Short: "Show, as Markdown, what changes in every cluster's rendered objects between two revisions",
		Long: `diff checks out --base (and --head, when given; otherwise the working tree
is used as it is) into temporary git worktrees, renders every cluster at both
as "render" does, and prints per cluster and Application the added, removed
and changed objects with a unified diff of their YAML: Markdown meant for a
pull request comment. Secrets' values are masked. It exits 0 whether or not
anything changed; with --exit-code, changes exit 1.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if base == "" {
				return &statusError{code: exitError, err: errors.New("--base is required, e.g. --base origin/main")}
			}
			opts, _, err := f.options(nil)
			if err != nil {
				return &statusError{code: exitError, err: err}
			}
			report, err := diffRevisions(cmd.Context(), opts, base, head, args)
			if err != nil {
				return &statusError{code: exitError, err: err}
			}
			if err := report.WriteMarkdown(cmd.OutOrStdout()); err != nil {
				return &statusError{code: exitError, err: err}
			}
			if exitCode && report.HasChanges() {
				return &statusError{code: exitFindings}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&base, "base", "", "revision to compare from, e.g. origin/main (required)")
	cmd.Flags().StringVar(&head, "head", "", "revision to compare to (default: the working tree)")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when anything changed")
	return cmd
}

// side is one revision, checked out where it can be rendered.
type side struct {
	label string
	dir   string
}

func diffRevisions(ctx context.Context, opts render.Options, base, head string, args []string) (diff.Report, error) {
	baseTree, err := diff.Checkout(ctx, opts.RepoRoot, base)
	if err != nil {
		return diff.Report{}, err
	}
	defer func() { _ = baseTree.Remove() }()
	from := side{label: fmt.Sprintf("%s (%.12s)", base, baseTree.Commit), dir: baseTree.Dir}
	to := side{label: "working tree", dir: opts.RepoRoot}
	if head != "" {
		headTree, err := diff.Checkout(ctx, opts.RepoRoot, head)
		if err != nil {
			return diff.Report{}, err
		}
		defer func() { _ = headTree.Remove() }()
		to = side{label: fmt.Sprintf("%s (%.12s)", head, headTree.Commit), dir: headTree.Dir}
	}

	var names []string
	for _, a := range args {
		names = append(names, clusterName(a))
	}
	if len(names) == 0 {
		// A cluster added or removed between the revisions is compared too.
		if names, err = clusterUnion(from.dir, to.dir); err != nil {
			return diff.Report{}, err
		}
	}
	var rendered [2][]diff.Cluster
	for i, s := range []side{from, to} {
		for _, name := range names {
			c, ok, err := renderSide(ctx, opts, s.dir, name)
			if err != nil {
				return diff.Report{}, fmt.Errorf("rendering %s: %w", s.label, err)
			}
			if ok {
				rendered[i] = append(rendered[i], c)
			}
		}
	}
	return diff.Compare(from.label, to.label, rendered[0], rendered[1])
}

// renderSide renders one cluster of the tree at dir; ok is false when the
// cluster folder does not exist there.
func renderSide(ctx context.Context, opts render.Options, dir, name string) (diff.Cluster, bool, error) {
	if _, err := os.Stat(filepath.Join(dir, render.ClustersDir, name)); errors.Is(err, os.ErrNotExist) {
		return diff.Cluster{}, false, nil
	}
	o := opts
	o.RepoRoot, o.Cluster = dir, name
	res, err := render.Cluster(ctx, o)
	if err != nil {
		return diff.Cluster{}, false, err
	}
	c := diff.Cluster{Name: name, Objects: res.Objects}
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
