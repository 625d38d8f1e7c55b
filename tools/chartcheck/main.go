// Command chartcheck renders every cluster of this repository the way Argo
// CD would and checks the result.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
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
		Short:         "Render the clusters as Argo CD would, and check what they would run",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRenderCmd())
	root.AddCommand(newCheckCmd(), newRulesCmd(), newExplainCmd())
	root.AddCommand(newDiffCmd())
	return root
}

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		os.Exit(exitOK)
	}
	var se *statusError
	if errors.As(err, &se) {
		if se.err != nil {
			fmt.Fprintln(os.Stderr, "chartcheck:", se.err)
		}
		os.Exit(se.code)
	}
	fmt.Fprintln(os.Stderr, "chartcheck:", err)
	os.Exit(exitError)
}
