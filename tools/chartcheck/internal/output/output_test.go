package output_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/output"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func rule(t *testing.T, id string) *rules.Rule {
	r, ok := rules.Lookup(id)
	require.True(t, ok, id)
	return r
}

// sampleReport has findings in two clusters, of every severity, one of
// them from a config file entry and one with a message needing escaping.
func sampleReport(t *testing.T) *output.Report {
	return &output.Report{
		Clusters: []string{"minikube", "prod"},
		Objects:  42,
		Rules: []*rules.Rule{
			rule(t, "probe-readiness-missing"), rule(t, "image-digest-required-prod"),
			rule(t, "schema-unchecked-kind"), rule(t, "suppression-unused"),
		},
		Findings: []rules.Finding{
			{Rule: "probe-readiness-missing", Severity: rules.Error, Cluster: "minikube", Object: "Deployment/doc-search/doc-search", APIVersion: "apps/v1",
				Source: manifest.Source{Cluster: "minikube", Application: "doc-search", File: "charts/doc-search/templates/deployment.yaml", Line: 2},
				Path:   "spec.template.spec.containers[doc-search].readinessProbe", Message: `container "doc-search" has no readinessProbe`},
			{Rule: "schema-unchecked-kind", Severity: rules.Info, Cluster: "minikube", Object: "Widget/app/w", APIVersion: "example.com/v1",
				Source:  manifest.Source{Cluster: "minikube", File: "clusters/minikube/widgets.yaml", Line: 1},
				Message: "no schema known for example.com/v1 Widget (1 object(s)): 50% <unchecked>, not validated"},
			{Rule: "image-digest-required-prod", Severity: rules.Error, Cluster: "prod", Object: "Deployment/doc-search/doc-search", APIVersion: "apps/v1",
				Source: manifest.Source{Cluster: "prod", Application: "doc-search", File: "charts/doc-search/templates/deployment.yaml", Line: 2},
				Path:   "spec.template.spec.containers[doc-search].image", Message: `container "doc-search" image "ghcr.io/doc-search/doc-search:1.0.0-build.1" is not pinned by digest in a prod cluster`},
			{Rule: "suppression-unused", Severity: rules.Warning, Cluster: "prod", Object: "chartcheck.yaml",
				Source: manifest.Source{Cluster: "prod", File: "chartcheck.yaml", Line: 14},
				Path:   "rules.ignore[0]", Message: "ignore entry for image-tag-latest (name=old) matches no finding"},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestWrite_GoldenFiles(t *testing.T) {
	for _, tc := range []struct {
		format, file string
		opts         output.Options
	}{
		{"text", "report.txt", output.Options{}},
		{"text", "report-color.txt", output.Options{Color: true}},
		{"json", "report.json", output.Options{}},
		{"sarif", "report.sarif", output.Options{Version: "1.2.3"}},
		{"github", "report-github.txt", output.Options{}},
		{"junit", "report.xml", output.Options{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, output.Write(&buf, tc.format, sampleReport(t), tc.opts))
			golden(t, tc.file, buf.Bytes())
		})
	}
}

func TestWrite_CleanReports(t *testing.T) {
	clean := &output.Report{Clusters: []string{"prod"}, Objects: 3, Rules: []*rules.Rule{rule(t, "probe-readiness-missing")}}
	for _, format := range output.Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, output.Write(&buf, format, clean, output.Options{}))
			assert.NotEmpty(t, buf.String())
		})
	}
	var buf bytes.Buffer
	require.NoError(t, output.Write(&buf, "json", clean, output.Options{}))
	var decoded struct{ Findings []any }
	require.NoError(t, json.Unmarshal(buf.Bytes(), &decoded))
	assert.NotNil(t, decoded.Findings, "findings is [] rather than null when clean")
}

func TestWrite_UnknownFormat(t *testing.T) {
	err := output.Write(&bytes.Buffer{}, "yaml", sampleReport(t), output.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"yaml"`)
}

// TestSARIF_Structure checks what GitHub code scanning needs: version
// 2.1.0, rules with descriptions, results with a rule index and a file
// location with a start line.
func TestSARIF_Structure(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.Write(&buf, "sarif", sampleReport(t), output.Options{}))
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct{ Text string }
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, "2.1.0", doc.Version)
	require.Len(t, doc.Runs, 1)
	run := doc.Runs[0]
	require.Len(t, run.Tool.Driver.Rules, 4)
	for _, r := range run.Tool.Driver.Rules {
		assert.NotEmpty(t, r.ShortDescription.Text, r.ID)
	}
	require.Len(t, run.Results, 4)
	for _, res := range run.Results {
		require.NotNil(t, res.RuleIndex)
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[*res.RuleIndex].ID)
		require.Len(t, res.Locations, 1)
		assert.NotEmpty(t, res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		assert.Positive(t, res.Locations[0].PhysicalLocation.Region.StartLine)
	}
	assert.Equal(t, "note", run.Results[1].Level)
}

func TestJUnit_OneFailingCasePerRuleWithFindings(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.Write(&buf, "junit", sampleReport(t), output.Options{}))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, 8, doc.Tests)
	// minikube: readiness; prod: digest and the unused suppression. The
	// info finding does not fail its case.
	assert.Equal(t, 3, doc.Failures)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "cluster minikube", doc.Suites[0].Name)
}
