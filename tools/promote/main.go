// Command promote writes promotion commits: it points one cluster's image
// file at an image build and records what was promoted, from where, in git.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "promote:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "promote",
		Short:         "Promote doc-search images between clusters with reviewed git commits",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringP("repo", "C", ".", "the GitOps repository (any directory inside its working tree)")
	root.AddCommand(newSetCmd(), newCopyCmd(), newStatusCmd(), newVersionCmd())
	return root
}
