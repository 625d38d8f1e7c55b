package main

import (
	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func newCopyCmd() *cobra.Command {
	var req promotion.CopyRequest
	cmd := &cobra.Command{
		Use:   "copy --from NAME --to NAME",
		Short: "Promote exactly what one cluster runs to another and commit it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := openPromoter(cmd)
			if err != nil {
				return err
			}
			res, err := p.Copy(req)
			if err != nil {
				return err
			}
			printResult(cmd, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.From, "from", "", "cluster whose image is promoted (required)")
	f.StringVar(&req.To, "to", "", "cluster to promote it to (required)")
	f.BoolVar(&req.AllowDowngrade, "allow-downgrade", false, "allow an older build than the target runs (a rollback)")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}
