// Package suppress removes the findings people have accepted, through the
// chartcheck.dev/ignore annotation or chartcheck.yaml ignore entries, and
// reports suppressions that give no reason or match nothing.
package suppress

import (
	"fmt"
	"path"
	"strings"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// Annotation holds one or more "<rule-id>: <reason>" entries, separated by
// newlines or semicolons.
const Annotation = "chartcheck.dev/ignore"

// Rule IDs of the findings this package reports.
const (
	NoReasonRule = "suppression-no-reason"
	UnusedRule   = "suppression-unused"
)

// annotationEntry is one parsed entry of an object's annotation.
type annotationEntry struct {
	rule, reason string
}

// ParseAnnotation splits an annotation value into its entries.
func ParseAnnotation(v string) []annotationEntry {
	var out []annotationEntry
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, reason, _ := strings.Cut(part, ":")
		out = append(out, annotationEntry{rule: strings.TrimSpace(id), reason: strings.TrimSpace(reason)})
	}
	return out
}

// Apply drops the suppressed findings and adds findings about the
// suppressions themselves. active says which rules ran: a suppression of a
// rule that is turned off is not reported as unused.
func Apply(cluster string, findings []rules.Finding, objs []*rules.Object, entries []ruleconfig.Ignore, active map[string]bool) []rules.Finding {
	noReason, _ := rules.Lookup(NoReasonRule)
	unused, _ := rules.Lookup(UnusedRule)

	// Annotations, per object ref.
	type annKey struct{ object, rule string }
	annotated := map[annKey]bool{}
	used := map[annKey]bool{}
	var meta []rules.Finding
	byRef := map[string]*rules.Object{}
	for _, o := range objs {
		v, ok := o.Object.Object.GetAnnotations()[Annotation]
		if !ok {
			continue
		}
		byRef[o.Ref()] = o
		path := "metadata.annotations." + Annotation
		for _, e := range ParseAnnotation(v) {
			if _, known := rules.Lookup(e.rule); !known {
				meta = append(meta, rules.NewFinding(unused, cluster, o, path, fmt.Sprintf("suppression names unknown rule %q", e.rule)))
				continue
			}
			if e.reason == "" {
				meta = append(meta, rules.NewFinding(noReason, cluster, o, path, fmt.Sprintf("suppression of %s gives no reason", e.rule)))
			}
			annotated[annKey{o.Ref(), e.rule}] = true
		}
	}
	for i, e := range entries {
		if e.Reason == "" {
			meta = append(meta, configFinding(noReason, cluster, e, i, fmt.Sprintf("ignore entry for %s gives no reason", e.Rule)))
		}
	}

	entryUsed := make([]bool, len(entries))
	var kept []rules.Finding
	for _, f := range findings {
		k := annKey{f.Object, f.Rule}
		if annotated[k] {
			used[k] = true
			continue
		}
		matched := false
		for i, e := range entries {
			if entry(e).matches(f) {
				entryUsed[i], matched = true, true
			}
		}
		if !matched {
			kept = append(kept, f)
		}
	}
	for k := range annotated {
		if !used[k] && active[k.rule] {
			meta = append(meta, rules.NewFinding(unused, cluster, byRef[k.object], "metadata.annotations."+Annotation,
				fmt.Sprintf("suppression of %s matches no finding on this object", k.rule)))
		}
	}
	for i, e := range entries {
		if !entryUsed[i] && active[e.Rule] {
			meta = append(meta, configFinding(unused, cluster, e, i, fmt.Sprintf("ignore entry for %s (%s) matches no finding", e.Rule, entry(e).describe())))
		}
	}
	out := append(kept, meta...)
	rules.SortFindings(out)
	return out
}

func configFinding(r *rules.Rule, cluster string, e ruleconfig.Ignore, i int, msg string) rules.Finding {
	return rules.Finding{
		Rule:     r.ID,
		Severity: r.Severity,
		Cluster:  cluster,
		Object:   "chartcheck.yaml",
		Source:   manifest.Source{Cluster: cluster, File: e.File, Line: e.Line},
		Path:     fmt.Sprintf("rules.ignore[%d]", i),
		Message:  msg,
	}
}

func matchesEntry(e ruleconfig.Ignore, f rules.Finding) bool {
	if e.Rule != f.Rule {
		return false
	}
	kind, ns, name := splitRef(f.Object)
	glob := func(pattern, v string) bool {
		if pattern == "" {
			return true
		}
		ok, err := path.Match(pattern, v)
		return err == nil && ok
	}
	return (e.Kind == "" || e.Kind == kind) && glob(e.Namespace, ns) && glob(e.Name, name)
}

// splitRef splits "Kind/ns/name" or "Kind/name".
func splitRef(ref string) (kind, ns, name string) {
	parts := strings.SplitN(ref, "/", 3)
	switch len(parts) {
	case 3:
		return parts[0], parts[1], parts[2]
	case 2:
		return parts[0], "", parts[1]
	}
	return ref, "", ""
}
