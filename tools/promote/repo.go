package main

import (
	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/gitrepo"
	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func openPromoter(cmd *cobra.Command) (promotion.Promoter, error) {
	dir, err := cmd.Flags().GetString("repo")
	if err != nil {
		return promotion.Promoter{}, err
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return promotion.Promoter{}, err
	}
	return promotion.Promoter{Repo: repo}, nil
}

// service returns --service, checked.
func service(cmd *cobra.Command) (string, error) {
	s, err := cmd.Flags().GetString("service")
	if err != nil {
		return "", err
	}
	if err := promotion.ValidateService(s); err != nil {
		return "", usageError{err}
	}
	return s, nil
}
