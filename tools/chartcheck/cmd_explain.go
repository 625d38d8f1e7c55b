package main

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Print what a rule checks and how to fix its findings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := rules.Lookup(args[0])
			if !ok {
				hint := "see `chartcheck rules`"
				if near := nearestRule(args[0]); near != "" {
					hint = fmt.Sprintf("did you mean %s? See `chartcheck rules`", near)
				}
				return &statusError{code: exitError, err: fmt.Errorf("unknown rule %q (%s)", args[0], hint)}
			}
			w := cmd.OutOrStdout()
			state := ""
			if r.Disabled {
				state = ", off by default"
			}
			fmt.Fprintf(w, "%s (%s, %s%s)\n\n%s\n\nApplies to: %s\n\nHow to fix:\n", r.ID, r.Severity, r.Category, state, r.Description, r.Scope)
			for _, line := range strings.Split(strings.TrimRight(r.Remediation, "\n"), "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
			fmt.Fprintf(w, "\nSuppress on an object with the annotation\n  chartcheck.dev/ignore: \"%s: <reason>\"\n", r.ID)
			return nil
		},
	}
}

// nearestRule is the rule ID closest to a mistyped one, or "" when none is
// close: a third of the ID's characters wrong, or three, whichever is more.
func nearestRule(id string) string {
	best, bestDist := "", max(3, len(id)/3)+1
	for _, r := range rules.All() {
		if d := levenshtein.Distance(id, r.ID, nil); d < bestDist {
			best, bestDist = r.ID, d
		}
	}
	return best
}
