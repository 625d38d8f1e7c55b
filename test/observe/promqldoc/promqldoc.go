// Package promqldoc reads the PromQL queries a Markdown document shows in
// ```promql fenced blocks, so the queries a reader copies are the ones tested.
package promqldoc

import (
	"fmt"
	"os"
	"strings"

	"github.com/russross/blackfriday/v2"
)

// Query is one ```promql block and the heading it sits under.
type Query struct {
	Heading string
	Expr    string
}

// Parse returns the document's promql blocks in order. Each block holds
// exactly one query; a block may span lines.
func Parse(markdown []byte) []Query {
	root := blackfriday.New(blackfriday.WithExtensions(blackfriday.CommonExtensions)).Parse(markdown)
	var (
		out     []Query
		heading string
	)
	root.Walk(func(n *blackfriday.Node, entering bool) blackfriday.WalkStatus {
		if !entering {
			return blackfriday.GoToNext
		}
		switch n.Type {
		case blackfriday.Heading:
			heading = text(n)
			return blackfriday.SkipChildren
		case blackfriday.CodeBlock:
			if n.IsFenced && strings.TrimSpace(string(n.Info)) == "promql" {
				out = append(out, Query{Heading: heading, Expr: strings.TrimSpace(string(n.Literal))})
			}
		}
		return blackfriday.GoToNext
	})
	return out
}

// ParseFile is Parse on a file, which must hold at least one query.
func ParseFile(path string) ([]Query, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	qs := Parse(src)
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no ```promql blocks", path)
	}
	return qs, nil
}

func text(n *blackfriday.Node) string {
	var b strings.Builder
	n.Walk(func(c *blackfriday.Node, entering bool) blackfriday.WalkStatus {
		if entering && (c.Type == blackfriday.Text || c.Type == blackfriday.Code) {
			b.Write(c.Literal)
		}
		return blackfriday.GoToNext
	})
	return b.String()
}
