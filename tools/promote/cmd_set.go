package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/imagefile"
	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func newSetCmd() *cobra.Command {
	var req promotion.SetRequest
	cmd := &cobra.Command{
		Use:   "set --cluster NAME --tag VERSION-build.N [--digest sha256:...] [--service NAME]",
		Short: "Point one cluster's service at a newly built image and commit it",
		Example: `  promote set --cluster minikube --tag 1.0.0-build.57 --digest sha256:...
  promote set --service visitors --cluster prod --tag 0.1.0-build.9 --digest sha256:... --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "cluster", "tag"); err != nil {
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
			res, err := p.Set(req)
			if err != nil {
				return err
			}
			printResult(cmd, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Cluster, "cluster", "", "cluster folder under clusters/ (required)")
	f.StringVar(&req.Image.Tag, "tag", "", "image tag, <version>-build.<N> (required)")
	f.StringVar(&req.Image.Digest, "digest", "", "image digest, sha256:<hex>; required for a cluster with prod: true in its chartcheck.yaml")
	f.StringVar(&req.SourceCommit, "source-commit", "", "commit the image was built from, which must exist (default: HEAD)")
	f.BoolVar(&req.AllowDowngrade, "allow-downgrade", false, "allow an older build than the cluster runs (a rollback)")
	f.BoolVar(&req.Force, "force", false, "allow a tag whose version is not app/<service>/VERSION at the source commit")
	f.BoolVar(&req.DryRun, "dry-run", false, "print the change and the commit message, write nothing")
	return cmd
}

func printResult(cmd *cobra.Command, res promotion.Result) {
	out := cmd.OutOrStdout()
	switch {
	case !res.Changed:
		fmt.Fprintf(out, "%s already runs %s%s: nothing to do\n", res.Target, res.Image.Tag, digestSuffix(res.Image))
	case res.DryRun:
		fmt.Fprintf(out, "%s\ncommit message:\n\n%s\ndry run: nothing written\n", res.Diff, res.Message)
	default:
		fmt.Fprintf(out, "committed %.12s: %s", res.Commit, res.Message)
	}
}

func digestSuffix(img imagefile.Image) string {
	if img.Digest == "" {
		return ""
	}
	return "@" + img.Digest
}
