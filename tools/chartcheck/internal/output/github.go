package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// writeGitHub prints workflow commands GitHub Actions turns into
// annotations on the pull request's files.
func writeGitHub(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	level := map[rules.Severity]string{rules.Error: "error", rules.Warning: "warning", rules.Info: "notice"}
	for _, f := range r.Findings {
		var props []string
		if f.Source.File != "" {
			props = append(props, "file="+escapeProperty(f.Source.File))
			if f.Source.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Source.Line))
			}
		}
		title := f.Rule
		if f.Cluster != "" {
			title = f.Cluster + ": " + f.Rule
		}
		props = append(props, "title="+escapeProperty(title))
		msg := f.Object + ": " + f.Message
		if f.Path != "" {
			msg = f.Object + " " + f.Path + ": " + f.Message
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", level[f.Severity], strings.Join(props, ","), escapeData(msg))
	}
	fmt.Fprintf(bw, "chartcheck: %s in %d objects\n", summary(r.Findings), r.Objects)
	return bw.Flush()
}

// escapeData and escapeProperty follow @actions/core's command encoding.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
