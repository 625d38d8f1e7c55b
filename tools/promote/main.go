// Command promote writes promotion commits: it points one service's image
// file in one cluster at an image build and records what was promoted,
// from where, in git.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 bad usage.
const (
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "promote:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(exitUsage)
		}
		os.Exit(exitFailed)
	}
}

// usageError is a command line promote cannot act on: exit 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "promote",
		Short:         "Promote service images between clusters with reviewed git commits",
		Long:          "Promote service images between clusters with reviewed git commits.\n\nExit codes: 0 done or nothing to do, 1 refused or failed, 2 bad usage.",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("promote {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringP("repo", "C", ".", "the GitOps repository (any directory inside its working tree)")
	root.PersistentFlags().String("service", "doc-search", "the service: its image file is clusters/<cluster>/<service>/image.yaml, its version app/<service>/VERSION")
	root.AddCommand(newSetCmd(), newCopyCmd(), newStatusCmd(), newVersionCmd())
	return root
}

// noArgs refuses positional arguments as bad usage.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q for %q (see --help)", args[0], cmd.CommandPath())}
	}
	return nil
}

// requireFlags refuses a command line that leaves out a required flag.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("%s needs %v (see --help)", cmd.CommandPath(), missing)}
	}
	return nil
}

// commit is set by the Makefile's build (-X main.commit=...).
var commit string

// version says which commit of this repository the binary was built from,
// as the Makefile or else the go command stamps it: promote ships with the
// repository, not apart from it.
func version() string {
	if commit != "" {
		return "commit " + commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev (no commit recorded)"
	}
	if dirty {
		return fmt.Sprintf("commit %.12s, modified", rev)
	}
	return fmt.Sprintf("commit %.12s", rev)
}
