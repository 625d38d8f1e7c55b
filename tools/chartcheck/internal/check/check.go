// Package check runs chartcheck's validation over one cluster's objects:
// the schema layer, the policy rules, then the suppressions.
package check

import (
	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
	"github.com/doc-search/gitops/tools/chartcheck/internal/schema"
	"github.com/doc-search/gitops/tools/chartcheck/internal/suppress"
)

// Input is one set of objects checked together: a rendered cluster, or the
// manifests given on the command line.
type Input struct {
	// Cluster names the cluster; empty for plain manifests.
	Cluster string
	// Prod turns on the rules for production clusters.
	Prod bool
	// KubeVersion is the cluster's Kubernetes version ("1.33.0"); empty
	// means config.DefaultKubeVersion. API version rules compare with it.
	KubeVersion string
	Objects     []manifest.Object
	Settings    ruleconfig.Settings
}

// Run checks the input and returns every finding that is not suppressed,
// sorted by cluster, file, line and rule.
func Run(in Input) []rules.Finding {
	results := schema.ValidateAll(in.Objects)
	objs := make([]*rules.Object, len(in.Objects))
	for i, o := range in.Objects {
		res := results[i]
		objs[i] = &rules.Object{Object: o, Typed: res.Typed, SchemaErrors: res.Errors, Unchecked: res.Unchecked}
	}
	kube := in.KubeVersion
	if kube == "" {
		kube = config.DefaultKubeVersion
	}
	c := &rules.Cluster{Name: in.Cluster, Prod: in.Prod, KubeVersion: kube, Objects: objs}
	rs := in.Settings.Rules()
	active := map[string]bool{}
	for _, r := range rs {
		active[r.ID] = true
	}
	findings := c.Run(rs)
	out := suppress.Apply(in.Cluster, findings, objs, in.Settings.Ignore, active)
	// Suppression findings take the rules' effective severities and can be
	// turned off like any rule.
	sev := map[string]rules.Severity{}
	for _, r := range rs {
		sev[r.ID] = r.SeverityIn(in.Prod)
	}
	kept := out[:0]
	for _, f := range out {
		s, ok := sev[f.Rule]
		if !ok {
			continue
		}
		f.Severity = s
		kept = append(kept, f)
	}
	return kept
}
