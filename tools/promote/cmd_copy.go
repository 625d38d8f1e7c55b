package main

import (
	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func newCopyCmd() *cobra.Command {
	var req promotion.CopyRequest
	cmd := &cobra.Command{
		Use:   "copy --from NAME --to NAME [--service NAME]",
		Short: "Promote exactly what one cluster runs of a service to another and commit it",
		Example: `  promote copy --from minikube --to prod
  promote copy --service visitors --from minikube --to prod --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "from", "to"); err != nil {
				return err
			}
			var err error
			if req.Service, err = service(cmd); err != nil {
				return err
			}
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
	f.BoolVar(&req.DryRun, "dry-run", false, "print the change and the commit message, write nothing")
	return cmd
}
