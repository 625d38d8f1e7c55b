package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/output"
	"github.com/doc-search/gitops/tools/chartcheck/internal/render"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// checkFlags are `chartcheck check`'s own flags, parsed once.
type checkFlags struct {
	render    renderFlags
	manifests []string
	prod      bool
	kube      string
	format    string
	out       string
	failOn    string
	config    string
	color     string
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [clusters/NAME...] | check --manifests FILE...",
		Short: "Render the clusters and report every schema and policy violation",
		Long: `check renders each cluster (every folder under clusters/ when none is
named) and validates what Argo CD would apply: strict schemas, then the policy
rules listed by "chartcheck rules". With --manifests it checks plain rendered
YAML files instead ("-" reads stdin); further arguments are more files.

Settings come from chartcheck.yaml at the repository root and the rules: key
of clusters/NAME/chartcheck.yaml. Exit status: 0 clean, 1 findings at or above
--fail-on, 2 usage or render errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, f, args)
		},
	}
	f.render.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&f.manifests, "manifests", nil, "check these rendered YAML files instead of rendering clusters")
	fl.BoolVar(&f.prod, "prod", false, "with --manifests: apply the rules for prod clusters")
	fl.StringVar(&f.kube, "kube-version", config.DefaultKubeVersion, "with --manifests: the Kubernetes version the API version rules compare with")
	fl.StringVar(&f.format, "format", "", "output format: text, json, sarif, github or junit (default github when GITHUB_ACTIONS=true, else text)")
	fl.StringVarP(&f.out, "output", "o", "", "write the report to this file instead of stdout")
	fl.StringVar(&f.failOn, "fail-on", "warning", "exit 1 when a finding has at least this severity: info, warning or error")
	fl.StringVar(&f.config, "config", "", "repository-wide settings file (default: chartcheck.yaml under --repo; none with --manifests)")
	fl.StringVar(&f.color, "color", "auto", "colour text output: auto (on a terminal), always or never")
	return cmd
}

func runCheck(cmd *cobra.Command, f checkFlags, args []string) error {
	usage := func(err error) error { return &statusError{code: exitError, err: err} }
	failOn, err := rules.ParseSeverity(f.failOn)
	if err != nil {
		return usage(fmt.Errorf("--fail-on: %w", err))
	}
	format := f.format
	if format == "" {
		format = "text"
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			format = "github"
		}
	}
	if !validFormat(format) {
		return usage(fmt.Errorf("--format %q: want one of %v", format, output.Formats))
	}
	if f.color != "auto" && f.color != "always" && f.color != "never" {
		return usage(fmt.Errorf("--color %q: want auto, always or never", f.color))
	}
	// The repository's settings are about its clusters: plain manifests
	// get them only when --config names a file.
	cfgPath := f.config
	if cfgPath == "" && len(f.manifests) == 0 {
		cfgPath = filepath.Join(f.render.repoRoot, ruleconfig.FileName)
	}
	var root ruleconfig.Settings
	if cfgPath != "" {
		if root, err = ruleconfig.LoadRoot(cfgPath); err != nil {
			return usage(err)
		}
	}

	var inputs []check.Input
	if len(f.manifests) > 0 {
		in, err := manifestInput(cmd.InOrStdin(), append(append([]string(nil), f.manifests...), args...))
		if err != nil {
			return usage(err)
		}
		if _, err := chartutil.ParseKubeVersion(f.kube); err != nil {
			return usage(fmt.Errorf("--kube-version %q: %w", f.kube, err))
		}
		in.Prod, in.KubeVersion, in.Settings = f.prod, f.kube, root
		inputs = append(inputs, in)
	} else {
		opts, names, err := f.render.options(args)
		if err != nil {
			return usage(err)
		}
		results, err := renderAll(cmd.Context(), opts, names)
		if err != nil {
			return err
		}
		for _, res := range results {
			for _, s := range res.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "chartcheck: cluster %s: application %s not checked: %s\n", res.Cluster, s.Application, s.Reason)
			}
			file := filepath.ToSlash(filepath.Join(render.ClustersDir, res.Cluster, config.FileName))
			cs, err := ruleconfig.Decode(&res.Config.Rules, file)
			if err != nil {
				return usage(err)
			}
			inputs = append(inputs, check.Input{Cluster: res.Cluster, Prod: res.Config.Prod, KubeVersion: res.Config.KubeVersion, Objects: res.Objects, Settings: root.Merge(cs)})
		}
	}

	rep := &output.Report{}
	ran := map[string]*rules.Rule{}
	for _, in := range inputs {
		rep.Clusters = append(rep.Clusters, in.Cluster)
		rep.Objects += len(in.Objects)
		rep.Findings = append(rep.Findings, check.Run(in)...)
		for _, r := range in.Settings.Rules() {
			ran[r.ID] = r
		}
	}
	sort.Strings(rep.Clusters)
	for _, r := range rules.All() {
		if got, ok := ran[r.ID]; ok {
			rep.Rules = append(rep.Rules, got)
		}
	}
	rules.SortFindings(rep.Findings)

	var w io.Writer = cmd.OutOrStdout()
	color := f.color == "always"
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			return usage(fmt.Errorf("creating %s: %w", f.out, err))
		}
		defer file.Close()
		w = file
	} else if f.color == "auto" {
		if file, ok := w.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
			color = term.IsTerminal(int(file.Fd()))
		}
	}
	if err := output.Write(w, format, rep, output.Options{Color: color}); err != nil {
		return usage(fmt.Errorf("writing report: %w", err))
	}
	for _, fd := range rep.Findings {
		if fd.Severity >= failOn {
			return &statusError{code: exitFindings}
		}
	}
	return nil
}

func validFormat(f string) bool {
	for _, v := range output.Formats {
		if v == f {
			return true
		}
	}
	return false
}

// manifestInput reads plain rendered YAML files as one set of objects, in
// the order given.
func manifestInput(stdin io.Reader, files []string) (check.Input, error) {
	streams := make([]manifest.Stream, len(files))
	for i, path := range files {
		var data []byte
		var err error
		if path == "-" {
			if data, err = io.ReadAll(stdin); err != nil {
				return check.Input{}, fmt.Errorf("reading stdin: %w", err)
			}
		} else if data, err = os.ReadFile(path); err != nil {
			return check.Input{}, fmt.Errorf("reading %s: %w", path, err)
		}
		streams[i] = manifest.Stream{Data: data, Source: manifest.Source{File: filepath.ToSlash(path)}}
	}
	parsed, err := manifest.ParseStreams(streams)
	if err != nil {
		return check.Input{}, err
	}
	var in check.Input
	for _, objs := range parsed {
		in.Objects = append(in.Objects, objs...)
	}
	return in, nil
}
