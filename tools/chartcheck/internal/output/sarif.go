package output

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// writeSARIF writes SARIF 2.1.0 for GitHub code scanning: every rule that
// ran, and each finding at its source file and line.
func writeSARIF(w io.Writer, r *Report, opts Options) error {
	rep, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("creating SARIF report: %w", err)
	}
	run := sarif.NewRunWithInformationURI("chartcheck", "https://github.com/doc-search/gitops/tree/main/tools/chartcheck")
	if opts.Version != "" {
		run.Tool.Driver.WithVersion(opts.Version)
	}
	level := map[rules.Severity]string{rules.Error: "error", rules.Warning: "warning", rules.Info: "note"}
	for _, rule := range r.Rules {
		run.AddRule(rule.ID).
			WithShortDescription(sarif.NewMultiformatMessageString(rule.Description)).
			WithTextHelp(rule.Remediation).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level[rule.Severity]))
	}
	for _, f := range r.Findings {
		msg := f.Object + ": " + f.Message
		if f.Path != "" {
			msg = f.Object + " " + f.Path + ": " + f.Message
		}
		if f.Cluster != "" {
			msg = "[" + f.Cluster + "] " + msg
		}
		res := run.CreateResultForRule(f.Rule).
			WithLevel(level[f.Severity]).
			WithMessage(sarif.NewTextMessage(msg))
		loc := sarif.NewLocation().WithLogicalLocations([]*sarif.LogicalLocation{
			sarif.NewLogicalLocation().WithFullyQualifiedName(f.Object).WithKind("object"),
		})
		if f.Source.File != "" {
			pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Source.File))
			if f.Source.Line > 0 {
				pl.WithRegion(sarif.NewRegion().WithStartLine(f.Source.Line))
			}
			loc.WithPhysicalLocation(pl)
		}
		res.AddLocation(loc)
		// GitHub tells findings apart across runs by fingerprint: the
		// rule, cluster, object and field stay stable when lines move.
		res.WithPartialFingerPrints(map[string]any{"chartcheck/v1": f.Rule + "|" + f.Cluster + "|" + f.Object + "|" + f.Path})
	}
	rep.AddRun(run)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
