package rules

import (
	"fmt"
	"sort"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is one rendered object with what the schema layer made of it.
type Object struct {
	manifest.Object
	// Typed is the object decoded into its Go type; nil when the kind has
	// no known type or decoding failed.
	Typed runtime.Object
	// SchemaErrors are the strict-decoding or CRD-schema errors, each
	// naming the field path.
	SchemaErrors []string
	// Unchecked is true when no Go type or rendered CRD describes the kind.
	Unchecked bool
}

// Finding is one violation of one rule by one object.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Cluster  string   `json:"cluster,omitempty"`
	// Object is Kind/namespace/name (Kind/name for cluster-scoped ones).
	Object     string          `json:"object"`
	APIVersion string          `json:"apiVersion,omitempty"`
	Source     manifest.Source `json:"source"`
	// Path is the field the finding is about, e.g.
	// spec.template.spec.containers[app].readinessProbe.
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Cluster is what rules see: every object of one cluster (or of the
// manifests given together) and the cluster's settings.
type Cluster struct {
	Name string
	Prod bool
	// KubeVersion is the cluster's Kubernetes version, e.g. "1.33.0".
	KubeVersion string
	Objects     []*Object

	// current is the rule being run, so report needs no rule argument.
	current  *Rule
	findings []Finding
	idx      *index
	// memo holds what memoized computed once for several rules.
	memo map[string]any
}

// memoized returns f's result, computed once per cluster under key: the
// lookups several rules share (by kind, by namespace...).
func memoized[T any](c *Cluster, key string, f func() T) T {
	if v, ok := c.memo[key]; ok {
		return v.(T)
	}
	if c.memo == nil {
		c.memo = map[string]any{}
	}
	v := f()
	c.memo[key] = v
	return v
}

// Run runs the given rules over the cluster and returns their findings,
// sorted by source, object and rule.
func (c *Cluster) Run(rs []*Rule) []Finding {
	c.findings = nil
	for _, r := range rs {
		c.current = r
		r.check(c)
	}
	c.current = nil
	out := c.findings
	c.findings = nil
	SortFindings(out)
	return out
}

// report records a finding of the current rule against o.
func (c *Cluster) report(o *Object, path, format string, args ...any) {
	f := NewFinding(c.current, c.Name, o, path, fmt.Sprintf(format, args...))
	f.Severity = c.current.SeverityIn(c.Prod)
	c.findings = append(c.findings, f)
}

// NewFinding builds a finding of rule r against o.
func NewFinding(r *Rule, cluster string, o *Object, path, msg string) Finding {
	return Finding{
		Rule:       r.ID,
		Severity:   r.Severity,
		Cluster:    cluster,
		Object:     o.Ref(),
		APIVersion: o.Object.Object.GetAPIVersion(),
		Source:     o.Source,
		Path:       path,
		Message:    msg,
	}
}

// SortFindings orders findings by cluster, file, line, object, rule, path.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.Cluster != b.Cluster:
			return a.Cluster < b.Cluster
		case a.Source.File != b.Source.File:
			return a.Source.File < b.Source.File
		case a.Source.Line != b.Source.Line:
			return a.Source.Line < b.Source.Line
		case a.Object != b.Object:
			return a.Object < b.Object
		case a.Rule != b.Rule:
			return a.Rule < b.Rule
		case a.Path != b.Path:
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
}
