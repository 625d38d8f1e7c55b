package promqldoc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParse_TakesOnlyPromqlBlocksWithTheirHeading(t *testing.T) {
	doc := "# Metrics\n\n## Traffic: `requests`\n\nText.\n\n```promql\nsum(rate(x[5m]))\n```\n\n" +
		"```sh\nmake observe\n```\n\n## Errors\n\n```promql\nsum(rate(y[5m]))\n  / sum(rate(x[5m]))\n```\n"
	assert.Equal(t, []Query{
		{Heading: "Traffic: requests", Expr: "sum(rate(x[5m]))"},
		{Heading: "Errors", Expr: "sum(rate(y[5m]))\n  / sum(rate(x[5m]))"},
	}, Parse([]byte(doc)))
}

func TestParseFile_ErrorsWithoutQueries(t *testing.T) {
	_, err := ParseFile("testdata/none.md")
	assert.ErrorContains(t, err, "testdata/none.md")
}
