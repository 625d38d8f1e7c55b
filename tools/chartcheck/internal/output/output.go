// Package output writes chartcheck's findings in the formats people and CI
// read: text, JSON, SARIF, GitHub Actions annotations and JUnit XML.
package output

import (
	"fmt"
	"io"
	"sort"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// Report is the outcome of one `chartcheck check` run.
type Report struct {
	// Clusters are the clusters checked ("" for plain manifests), sorted.
	Clusters []string
	// Objects counts the objects checked.
	Objects int
	// Rules are the rules that ran.
	Rules    []*rules.Rule
	Findings []rules.Finding
}

// Fails says whether a finding has at least severity s.
func (r *Report) Fails(s rules.Severity) bool {
	for _, f := range r.Findings {
		if f.Severity >= s {
			return true
		}
	}
	return false
}

// Options tune a writer.
type Options struct {
	// Color adds ANSI colours to text output (only on a terminal).
	Color bool
	// Version is chartcheck's version, for SARIF's tool section.
	Version string
}

// Formats lists the --format values.
var Formats = []string{"text", "json", "sarif", "github", "junit"}

// Write writes the report in the named format.
func Write(w io.Writer, format string, r *Report, opts Options) error {
	switch format {
	case "text":
		return writeText(w, r, opts)
	case "json":
		return writeJSON(w, r)
	case "sarif":
		return writeSARIF(w, r, opts)
	case "github":
		return writeGitHub(w, r)
	case "junit":
		return writeJUnit(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of %v)", format, Formats)
}

// counts tallies findings by severity.
func counts(fs []rules.Finding) map[rules.Severity]int {
	m := map[rules.Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

func summary(fs []rules.Finding) string {
	c := counts(fs)
	return fmt.Sprintf("%d finding(s): %d error, %d warning, %d info", len(fs), c[rules.Error], c[rules.Warning], c[rules.Info])
}

// group is the findings of one object.
type group struct {
	cluster, object string
	findings        []rules.Finding
}

// groups splits sorted findings by cluster and object, keeping order.
func groups(fs []rules.Finding) []group {
	var out []group
	idx := map[[2]string]int{}
	for _, f := range fs {
		k := [2]string{f.Cluster, f.Object + "\x00" + f.Source.File}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, group{cluster: f.Cluster, object: f.Object})
		}
		out[i].findings = append(out[i].findings, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].cluster < out[j].cluster })
	return out
}

func clusterLabel(name string) string {
	if name == "" {
		return "manifests"
	}
	return "cluster " + name
}
