package output

import (
	"encoding/json"
	"io"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

type jsonReport struct {
	Clusters []string        `json:"clusters"`
	Objects  int             `json:"objects"`
	Summary  map[string]int  `json:"summary"`
	Findings []rules.Finding `json:"findings"`
}

func writeJSON(w io.Writer, r *Report) error {
	c := counts(r.Findings)
	out := jsonReport{
		Clusters: r.Clusters,
		Objects:  r.Objects,
		Summary:  map[string]int{"error": c[rules.Error], "warning": c[rules.Warning], "info": c[rules.Info]},
		Findings: r.Findings,
	}
	if out.Findings == nil {
		out.Findings = []rules.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
