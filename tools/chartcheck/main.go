// Command chartcheck renders every cluster of this repository the way Argo
// CD would and checks the result.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	_ "github.com/doc-search/gitops/tools/chartcheck/internal/kubectltext"
)

// Exit statuses shared by every subcommand.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// statusError carries the exit status a subcommand wants; any other error
// exits 2.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "chartcheck",
		Version:       version(),
		Short:         "Render the clusters as Argo CD would, and check what they would run",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRenderCmd())
	root.AddCommand(newCheckCmd(), newRulesCmd(), newExplainCmd())
	root.AddCommand(newDiffCmd())
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print chartcheck's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "chartcheck version", version())
		},
	})
	return root
}

// version is what the Go toolchain stamped into the binary: the module's
// version ("(devel)" when built from a checkout) and, built inside a git
// checkout, the commit, marked "-dirty" with uncommitted changes.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if dirty {
			v += "-dirty"
		}
	}
	return v
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var se *statusError
	if errors.As(err, &se) {
		if se.err != nil {
			fmt.Fprintln(stderr, "chartcheck:", se.err)
		}
		return se.code
	}
	// Anything cobra reports itself (unknown flag, bad arguments) is usage.
	fmt.Fprintln(stderr, "chartcheck:", err)
	return exitError
}
