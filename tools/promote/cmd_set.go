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
		Use:   "set --cluster NAME --tag VERSION-build.N [--digest sha256:...]",
		Short: "Point one cluster at a newly built image and commit it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	f.StringVar(&req.Image.Digest, "digest", "", "image digest, sha256:<hex>")
	f.StringVar(&req.SourceCommit, "source-commit", "", "commit the image was built from (default: HEAD)")
	f.BoolVar(&req.AllowDowngrade, "allow-downgrade", false, "allow an older build than the cluster runs (a rollback)")
	_ = cmd.MarkFlagRequired("cluster")
	_ = cmd.MarkFlagRequired("tag")
	return cmd
}

func printResult(cmd *cobra.Command, res promotion.Result) {
	out := cmd.OutOrStdout()
	if !res.Changed {
		fmt.Fprintf(out, "%s already runs %s%s: nothing to do\n", res.Cluster, res.Image.Tag, digestSuffix(res.Image))
		return
	}
	fmt.Fprintf(out, "committed %.12s: %s", res.Commit, res.Message)
}

func digestSuffix(img imagefile.Image) string {
	if img.Digest == "" {
		return ""
	}
	return "@" + img.Digest
}
