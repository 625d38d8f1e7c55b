package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
)

// renderFlags are the flags shared by every command that renders.
type renderFlags struct {
	repoRoot    string
	repoURLs    []string
	app         string
	offline     bool
	cacheDir    string
	parallelism int
}

func (f *renderFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.repoRoot, "repo", ".", "repository root")
	cmd.Flags().StringSliceVar(&f.repoURLs, "repo-url", nil, "URL Applications use for this repository (default: git remote origin)")
	cmd.Flags().StringVar(&f.app, "app", "", "only the objects of this Application")
	cmd.Flags().BoolVar(&f.offline, "offline", false, "render local sources only; report remote Helm charts as skipped")
	cmd.Flags().StringVar(&f.cacheDir, "cache-dir", filepath.Join(".cache", "chartcheck"), "where pulled remote charts are kept (relative to --repo)")
	cmd.Flags().IntVar(&f.parallelism, "parallel", 0, "Applications rendered at once (0: number of CPUs)")
}

// options turns the flags and the cluster arguments (folder paths like
// clusters/prod, or plain names) into render options and cluster names.
func (f *renderFlags) options(args []string) (render.Options, []string, error) {
	root, err := filepath.Abs(f.repoRoot)
	if err != nil {
		return render.Options{}, nil, err
	}
	urls := f.repoURLs
	if len(urls) == 0 {
		// Without a remote, only the URL in the root Applications counts.
		if u, err := render.OriginURL(root); err == nil {
			urls = []string{u}
		}
	}
	cache := f.cacheDir
	if !filepath.IsAbs(cache) {
		cache = filepath.Join(root, cache)
	}
	opts := render.Options{RepoRoot: root, RepoURLs: urls, App: f.app, Offline: f.offline, CacheDir: cache, Parallelism: f.parallelism}
	var names []string
	for _, a := range args {
		names = append(names, clusterName(a))
	}
	if len(names) == 0 {
		names, err = render.ClusterNames(root)
		if err != nil {
			return render.Options{}, nil, err
		}
	}
	return opts, names, nil
}

// clusterName accepts "prod", "clusters/prod" or "clusters/prod/".
func clusterName(arg string) string {
	arg = filepath.ToSlash(filepath.Clean(arg))
	return strings.TrimPrefix(arg, render.ClustersDir+"/")
}

// renderAll renders the named clusters; any failure is a status-2 error.
func renderAll(ctx context.Context, opts render.Options, names []string) ([]*render.Result, error) {
	var out []*render.Result
	for _, n := range names {
		o := opts
		o.Cluster = n
		res, err := render.Cluster(ctx, o)
		if err != nil {
			return nil, &statusError{code: exitError, err: err}
		}
		out = append(out, res)
	}
	return out, nil
}

func newRenderCmd() *cobra.Command {
	var f renderFlags
	cmd := &cobra.Command{
		Use:   "render [clusters/NAME...]",
		Short: "Print every object Argo CD would apply to the clusters, as multi-document YAML",
		Long: `render builds each cluster folder with Kustomize, then every Argo CD
Application found in it (and in what those render), with Helm, Kustomize or
plain directories, as Argo CD v2.14 would. With no argument it renders every
folder under clusters/. Skipped Applications are reported on stderr.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, names, err := f.options(args)
			if err != nil {
				return &statusError{code: exitError, err: err}
			}
			results, err := renderAll(cmd.Context(), opts, names)
			if err != nil {
				return err
			}
			return writeResults(cmd.OutOrStdout(), cmd.ErrOrStderr(), results)
		},
	}
	f.register(cmd)
	return cmd
}

// writeResults prints every object with a comment naming where it came
// from, and each skipped Application on errOut.
func writeResults(out, errOut io.Writer, results []*render.Result) error {
	w := bufio.NewWriter(out)
	for _, res := range results {
		docs, err := manifest.MarshalAll(res.Objects)
		if err != nil {
			return &statusError{code: exitError, err: err}
		}
		for i, o := range res.Objects {
			data := docs[i]
			fmt.Fprintf(w, "---\n# Cluster: %s\n", res.Cluster)
			if o.Source.Application != "" {
				fmt.Fprintf(w, "# Application: %s\n", o.Source.Application)
			}
			fmt.Fprintf(w, "# Source: %s\n%s", o.Source.String(), data)
		}
		for _, s := range res.Skipped {
			fmt.Fprintf(errOut, "chartcheck: cluster %s: application %s skipped: %s\n", res.Cluster, s.Application, s.Reason)
		}
	}
	if err := w.Flush(); err != nil {
		return &statusError{code: exitError, err: err}
	}
	return nil
}
