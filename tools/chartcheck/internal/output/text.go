package output

import (
	"bufio"
	"fmt"
	"io"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiDim    = "\x1b[2m"
)

// writeText groups findings by cluster, then object, each object with the
// file and line it came from.
func writeText(w io.Writer, r *Report, opts Options) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	sevColor := map[rules.Severity]string{rules.Error: ansiRed, rules.Warning: ansiYellow, rules.Info: ansiBlue}
	byCluster := map[string][]rules.Finding{}
	for _, f := range r.Findings {
		byCluster[f.Cluster] = append(byCluster[f.Cluster], f)
	}
	for _, cl := range r.Clusters {
		fs := byCluster[cl]
		fmt.Fprintf(bw, "%s: %s\n", paint(ansiBold, clusterLabel(cl)), summary(fs))
		for _, g := range groups(fs) {
			fmt.Fprintf(bw, "  %s  %s\n", paint(ansiBold, g.object), paint(ansiDim, g.findings[0].Source.String()))
			for _, f := range g.findings {
				where := ""
				if f.Path != "" {
					where = f.Path + ": "
				}
				fmt.Fprintf(bw, "    %s %s  %s%s\n", paint(sevColor[f.Severity], fmt.Sprintf("%-7s", f.Severity)), f.Rule, where, f.Message)
			}
		}
	}
	if len(r.Clusters) > 1 {
		fmt.Fprintf(bw, "total: %s in %d objects\n", summary(r.Findings), r.Objects)
	}
	return bw.Flush()
}
