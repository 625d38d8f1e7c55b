package diff

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Marker is the first line of the Markdown, so a workflow can find and
// replace its previous comment.
const Marker = "<!-- chartcheck diff -->"

// WriteMarkdown writes the report for a pull request comment: a summary
// table, then per cluster one collapsible section per Application holding a
// unified diff per object.
func (r Report) WriteMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "%s\n## Rendered manifests: `%s` → `%s`\n\n", Marker, r.Base, r.Head)
	if !r.HasChanges() {
		fmt.Fprintf(w, "No changes: every cluster renders to the same objects.\n")
	} else {
		fmt.Fprintf(w, "| cluster | application | added | removed | changed |\n| --- | --- | ---: | ---: | ---: |\n")
		for _, c := range r.Clusters {
			for _, a := range c.Applications {
				fmt.Fprintf(w, "| %s | %s | %d | %d | %d |\n", c.Name, appName(a.Name), a.Count(Added), a.Count(Removed), a.Count(Changed))
			}
		}
		for _, c := range r.Clusters {
			if len(c.Applications) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n### %s\n", c.Name)
			for _, a := range c.Applications {
				writeApplication(w, a)
			}
		}
	}
	var skippedNotes []string
	for _, c := range r.Clusters {
		for _, s := range c.Skipped {
			skippedNotes = append(skippedNotes, fmt.Sprintf("- %s: %s", c.Name, s))
		}
	}
	if len(skippedNotes) > 0 {
		fmt.Fprintf(w, "\nNot rendered, so not compared:\n%s\n", strings.Join(skippedNotes, "\n"))
	}
	return w.Flush()
}

func writeApplication(w io.Writer, a Application) {
	var counts []string
	for _, k := range []Kind{Added, Removed, Changed} {
		if n := a.Count(k); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, k))
		}
	}
	fmt.Fprintf(w, "\n<details><summary><b>%s</b>: %s</summary>\n\n", appName(a.Name), strings.Join(counts, ", "))
	for _, c := range a.Changes {
		fence := codeFence(c.Diff)
		fmt.Fprintf(w, "**%s** `%s`\n\n%sdiff\n%s%s\n\n", c.Kind, c.Ref, fence, ensureNewline(c.Diff), fence)
	}
	fmt.Fprintf(w, "</details>\n")
}

func appName(name string) string {
	if name == "" {
		return "(cluster folder)"
	}
	return name
}

// codeFence returns a backtick fence longer than any backtick run in s, so
// YAML holding Markdown cannot close the code block early.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}
