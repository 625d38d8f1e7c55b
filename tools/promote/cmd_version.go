package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/promote/internal/imagetag"
)

func newVersionCmd() *cobra.Command {
	var file string
	var build uint64
	cmd := &cobra.Command{
		Use:   "version --build N",
		Short: "Print the image tag of build N of the app version: <VERSION>-build.<N>",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, _ := cmd.Flags().GetString("repo")
			path := file
			if !filepath.IsAbs(path) {
				path = filepath.Join(repo, path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("reading the app version: %w", err)
			}
			tag, err := imagetag.New(strings.TrimSpace(string(data)), build)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), tag)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "version-file", "app/doc-search/VERSION", "file holding the app's semver, relative to --repo")
	cmd.Flags().Uint64Var(&build, "build", 0, "CI build number (required)")
	_ = cmd.MarkFlagRequired("build")
	return cmd
}
