package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// JUnit XML as CI test reporters read it: one test suite per cluster, one
// test case per rule (failed when it has findings at warning or above).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "chartcheck"}
	for _, cl := range r.Clusters {
		suite := junitSuite{Name: clusterLabel(cl)}
		byRule := map[string][]rules.Finding{}
		for _, f := range r.Findings {
			if f.Cluster == cl {
				byRule[f.Rule] = append(byRule[f.Rule], f)
			}
		}
		for _, rule := range r.Rules {
			tc := junitCase{Name: rule.ID, Classname: "chartcheck." + rule.Category}
			fs := byRule[rule.ID]
			var lines []string
			failing := 0
			for _, f := range fs {
				lines = append(lines, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Source.String(), f.Object, f.Message))
				if f.Severity >= rules.Warning {
					failing++
				}
			}
			switch {
			case failing > 0:
				tc.Failure = &junitFailure{Message: fmt.Sprintf("%d finding(s): %s", len(fs), rule.Description), Type: rule.Severity.String(), Text: strings.Join(lines, "\n")}
				suite.Failures++
			case len(lines) > 0:
				tc.SystemOut = strings.Join(lines, "\n")
			}
			suite.Cases = append(suite.Cases, tc)
			suite.Tests++
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Suites = append(out.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
