package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/chartcheck/internal/diff"
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
			var names []string
			for _, a := range args {
				names = append(names, clusterName(a))
			}
			report, err := diff.Revisions(cmd.Context(), opts, base, head, names)
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
