package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/imagetag"
	"github.com/doc-search/gitops/tools/promote/internal/promotion"
)

func newVersionCmd() *cobra.Command {
	var file string
	var build uint64
	cmd := &cobra.Command{
		Use:   "version --build N [--service NAME]",
		Short: "Print the image tag of build N of the service's version: <app/<service>/VERSION>-build.<N>",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "build"); err != nil {
				return err
			}
			svc, err := service(cmd)
			if err != nil {
				return err
			}
			repo, _ := cmd.Flags().GetString("repo")
			path := file
			if path == "" {
				path = promotion.VersionPath(svc)
			}
			if !filepath.IsAbs(path) {
				path = filepath.Join(repo, path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("reading the version of %s: %w", svc, err)
			}
			tag, err := imagetag.New(strings.TrimSpace(string(data)), build)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), tag)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "version-file", "", "file holding the service's semver, relative to --repo (default app/<service>/VERSION)")
	cmd.Flags().Uint64Var(&build, "build", 0, "CI build number (required)")
	return cmd
}
