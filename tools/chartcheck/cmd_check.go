package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/output"
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

// runCheck is `chartcheck check`: read the settings, gather the inputs,
// check them, write the report and pick the exit status.
func runCheck(cmd *cobra.Command, f checkFlags, args []string) error {
	usage := func(err error) error { return &statusError{code: exitError, err: err} }
	failOn, format, err := f.validate()
	if err != nil {
		return usage(err)
	}
	root, err := f.rootSettings()
	if err != nil {
		return usage(err)
	}
	inputs, err := f.inputs(cmd, root, args)
	if err != nil {
		return err
	}
	rep := check.Report(inputs)
	if err := f.write(cmd.OutOrStdout(), format, rep); err != nil {
		return usage(err)
	}
	if rep.Fails(failOn) {
		return &statusError{code: exitFindings}
	}
	return nil
}

// validate reads --fail-on, --format (its default depends on where the
// command runs) and --color.
func (f checkFlags) validate() (rules.Severity, string, error) {
	failOn, err := rules.ParseSeverity(f.failOn)
	if err != nil {
		return 0, "", fmt.Errorf("--fail-on: %w", err)
	}
	format := f.format
	if format == "" {
		format = "text"
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			format = "github"
		}
	}
	if !slices.Contains(output.Formats, format) {
		return 0, "", fmt.Errorf("--format %q: want one of %v", format, output.Formats)
	}
	if f.color != "auto" && f.color != "always" && f.color != "never" {
		return 0, "", fmt.Errorf("--color %q: want auto, always or never", f.color)
	}
	return failOn, format, nil
}

// rootSettings loads the repository's settings. They are about its
// clusters: plain manifests get them only when --config names a file.
func (f checkFlags) rootSettings() (ruleconfig.Settings, error) {
	path := f.config
	if path != "" {
		// A file named on the command line must be there: applying no
		// settings in its place would hide the mistake.
		if _, err := os.Stat(path); err != nil {
			return ruleconfig.Settings{}, fmt.Errorf("--config: %w", err)
		}
	}
	if path == "" && len(f.manifests) == 0 {
		path = filepath.Join(f.render.repoRoot, ruleconfig.FileName)
	}
	if path == "" {
		return ruleconfig.Settings{}, nil
	}
	return ruleconfig.LoadRoot(path)
}

// inputs are the --manifests files as one input, or else every named
// cluster rendered.
func (f checkFlags) inputs(cmd *cobra.Command, root ruleconfig.Settings, args []string) ([]check.Input, error) {
	usage := func(err error) error { return &statusError{code: exitError, err: err} }
	if len(f.manifests) > 0 {
		in, err := check.ManifestInput(cmd.InOrStdin(), append(append([]string(nil), f.manifests...), args...))
		if err != nil {
			return nil, usage(err)
		}
		if _, err := chartutil.ParseKubeVersion(f.kube); err != nil {
			return nil, usage(fmt.Errorf("--kube-version %q: %w", f.kube, err))
		}
		in.Prod, in.KubeVersion, in.Settings = f.prod, f.kube, root
		return []check.Input{in}, nil
	}
	opts, names, err := f.render.options(args)
	if err != nil {
		return nil, usage(err)
	}
	results, err := renderAll(cmd.Context(), opts, names)
	if err != nil {
		return nil, err
	}
	var inputs []check.Input
	for _, res := range results {
		for _, s := range res.Skipped {
			fmt.Fprintf(cmd.ErrOrStderr(), "chartcheck: cluster %s: application %s not checked: %s\n", res.Cluster, s.Application, s.Reason)
		}
		in, err := check.ClusterInput(res, root)
		if err != nil {
			return nil, usage(err)
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// write writes the report to stdout, or to the -o file, which is complete
// only once it is closed.
func (f checkFlags) write(stdout io.Writer, format string, rep *output.Report) error {
	if f.out == "" {
		color := f.color == "always"
		if file, ok := stdout.(*os.File); ok && f.color == "auto" && os.Getenv("NO_COLOR") == "" {
			color = term.IsTerminal(int(file.Fd()))
		}
		if err := output.Write(stdout, format, rep, output.Options{Color: color, Version: version()}); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
		return nil
	}
	file, err := os.Create(f.out)
	if err != nil {
		return fmt.Errorf("creating %s: %w", f.out, err)
	}
	err = output.Write(file, format, rep, output.Options{Color: f.color == "always", Version: version()})
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing report to %s: %w", f.out, err)
	}
	return nil
}
