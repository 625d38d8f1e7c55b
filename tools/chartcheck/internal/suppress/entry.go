package suppress

import (
	"strings"

	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// entry adds matching to config ignore entries.
type entry ruleconfig.Ignore

func (e entry) matches(f rules.Finding) bool { return matchesEntry(ruleconfig.Ignore(e), f) }

func (e entry) describe() string {
	var parts []string
	for _, kv := range [][2]string{{"kind", e.Kind}, {"namespace", e.Namespace}, {"name", e.Name}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return "every object"
	}
	return strings.Join(parts, " ")
}
