// Package clusterrender is chartcheck's renderer for the repository's tests
// outside tools/chartcheck: a cluster rendered as Argo CD would, through the
// same code as `chartcheck render`, which the fidelity tests hold to Argo
// CD's own.
package clusterrender

import (
	"context"

	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
)

type (
	// Options says what to render; see the render package.
	Options = render.Options
	// Result is one rendered cluster.
	Result = render.Result
)

// Cluster renders one cluster folder and every Application in it.
func Cluster(ctx context.Context, opts Options) (*Result, error) { return render.Cluster(ctx, opts) }

// ClusterNames lists the cluster folders under clusters/, sorted.
func ClusterNames(repoRoot string) ([]string, error) { return render.ClusterNames(repoRoot) }
