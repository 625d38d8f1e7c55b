package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func newStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show what every service runs in every cluster and which commit promoted it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := openPromoter(cmd)
			if err != nil {
				return err
			}
			targets, err := p.Status()
			if err != nil {
				return err
			}
			if len(targets) == 0 {
				return fmt.Errorf("no clusters/*/*/image.yaml in %s", p.Repo.Dir)
			}
			printStatus(cmd, targets, time.Now())
			return nil
		},
	}
}

func printStatus(cmd *cobra.Command, targets []promotion.TargetStatus, now time.Time) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CLUSTER\tSERVICE\tTAG\tDIGEST\tBUILD\tCOMMIT\tFROM\tAGE")
	for _, c := range targets {
		commit, age := "-", "-"
		if c.Commit != "" {
			commit, age = c.Commit[:12], shortAge(now.Sub(c.CommitTime))
			switch {
			case !c.Promotion:
				commit += " (not a promotion)"
			case c.RevertOf != "":
				commit += " (revert of " + c.RevertOf[:12] + ")"
			}
		}
		if c.Uncommitted {
			commit = "uncommitted"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Cluster, c.Service, c.Image.Tag, shortDigest(c.Image.Digest), dash(c.Build), commit, dash(c.PromotedFrom), age)
	}
	_ = w.Flush()
}

// shortDigest keeps the 12 hex digits people compare by eye, like docker does.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return dash(d)
}

func shortAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
